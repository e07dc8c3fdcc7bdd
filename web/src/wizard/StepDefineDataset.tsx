import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { api } from '../api/client';
import type { Dataset, Destination, Platform, PlatformAudience, UploadMode } from '../api/types';
import { SandboxBadge } from '../components/Badges';
import { ErrorAlert } from '../components/ErrorAlert';
import { SelectField, TextField } from '../components/Field';
import { Card, EmptyState } from '../components/Misc';
import { formatNumber } from '../lib/format';
import { useDebounced } from '../lib/hooks';
import { MODE_HELP, countryName, isCountryCode, normalizeCountry, type DefineState } from './state';

interface Props {
  dataset: Dataset;
  platforms: Platform[];
  destinations: Destination[];
  value: DefineState;
  onChange: (patch: Partial<DefineState>) => void;
  onBack: () => void;
  onNext: () => void;
}

type Problems = Partial<Record<'destination' | 'audienceName' | 'existingAudience' | 'defaultCountry', string>>;

const FIELD_IDS: Record<keyof Problems, string> = {
  destination: 'wizard-destination',
  audienceName: 'wizard-audience-name',
  existingAudience: 'wizard-existing-audience',
  defaultCountry: 'wizard-default-country',
};

const ALL_MODES: UploadMode[] = ['append', 'remove', 'replace', 'mirror'];

export function validateDefine(value: DefineState, platform: Platform | undefined): Problems {
  const problems: Problems = {};
  if (!value.destinationId || !platform) problems.destination = 'Choose where to upload.';
  if (value.audienceChoice === 'new') {
    const name = value.audienceName.trim();
    if (!name) problems.audienceName = 'Give the new audience a name.';
    else if (platform && name.length > platform.audienceNameMaxLength)
      problems.audienceName = `${platform.label} allows at most ${platform.audienceNameMaxLength} characters; this name has ${name.length}.`;
  } else if (!value.existingAudience) {
    problems.existingAudience = 'Choose the audience to update.';
  }
  const country = normalizeCountry(value.defaultCountry);
  if (country && !isCountryCode(country)) problems.defaultCountry = 'Use a two-letter country code such as US, GB or FR.';
  return problems;
}

/** Step 2: destination, audience (new or existing), mode and default country. */
export function StepDefineDataset({ dataset, platforms, destinations, value, onChange, onBack, onNext }: Props) {
  const destination = destinations.find((item) => String(item.id) === value.destinationId);
  const platform = platforms.find((item) => item.id === destination?.platform);
  const [attempted, setAttempted] = useState(false);
  const problems = attempted ? validateDefine(value, platform) : {};
  const modes = platform?.modes?.length ? platform.modes : ALL_MODES;

  // the mode must be one the platform offers
  useEffect(() => {
    if (platform && !modes.includes(value.mode) && modes[0]) onChange({ mode: modes[0] });
  }, [platform, modes, value.mode, onChange]);

  // existing audiences of the chosen destination, searched as the user types
  const [audienceSearch, setAudienceSearch] = useState('');
  const search = useDebounced(audienceSearch.trim(), 350);
  const [audiences, setAudiences] = useState<PlatformAudience[] | null>(null);
  const [audiencesLoading, setAudiencesLoading] = useState(false);
  const [audiencesError, setAudiencesError] = useState<unknown>(null);
  const [audiencesKey, setAudiencesKey] = useState(0);

  useEffect(() => {
    if (value.audienceChoice !== 'existing' || !destination) return;
    const controller = new AbortController();
    setAudiencesLoading(true);
    setAudiencesError(null);
    api.audiences(destination.id, search, controller.signal).then(
      (answer) => {
        if (controller.signal.aborted) return;
        setAudiences(answer.audiences);
        setAudiencesLoading(false);
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        setAudiencesError(error);
        setAudiences(null);
        setAudiencesLoading(false);
      },
    );
    return () => controller.abort();
  }, [value.audienceChoice, destination, search, audiencesKey]);

  const next = () => {
    setAttempted(true);
    const found = validateDefine(value, platform);
    const first = (Object.keys(FIELD_IDS) as (keyof Problems)[]).find((key) => found[key]);
    if (first) {
      document.getElementById(FIELD_IDS[first])?.focus();
      return;
    }
    onNext();
  };

  const nameLength = value.audienceName.trim().length;
  const max = platform?.audienceNameMaxLength;
  const over = max !== undefined && nameLength > max;
  const country = normalizeCountry(value.defaultCountry);
  const knownCountry = countryName(country);
  const audienceOptions = audiences ?? [];
  const chosenMissing = value.existingAudience && !audienceOptions.some((item) => item.id === value.existingAudience?.id);

  return (
    <>
      <p className="muted">
        Dataset <strong>{dataset.name}</strong>: {dataset.files} file{dataset.files === 1 ? '' : 's'},{' '}
        {dataset.columns.length} column{dataset.columns.length === 1 ? '' : 's'}.
      </p>
      <Card title="Destination">
        {destinations.length === 0 ? (
          <EmptyState title="No destinations yet">
            An upload goes to a saved TikTok or Meta ad account. <Link to="/destinations">Add a destination</Link> (admins
            can), then come back.
          </EmptyState>
        ) : (
          <SelectField
            id={FIELD_IDS.destination}
            label="Destination"
            value={value.destinationId}
            onValue={(destinationId) => onChange({ destinationId, existingAudience: null })}
            error={problems.destination}
            extra={destination?.sandbox ? <SandboxBadge /> : null}
            hint={destination ? `${destination.platformLabel} · account ${destination.account}` : 'The ad account to upload to.'}
          >
            <option value="">Choose a destination</option>
            {destinations.map((item) => (
              <option key={item.id} value={String(item.id)}>
                {item.name} — {item.platformLabel}
                {item.sandbox ? ' (Sandbox)' : ''}
              </option>
            ))}
          </SelectField>
        )}
      </Card>

      <Card title="Audience">
        <fieldset className="radio-group">
          <legend>Which audience?</legend>
          <div className="radio-options">
            <div className="radio">
              <input
                type="radio"
                id="audience-choice-new"
                name="audience-choice"
                value="new"
                checked={value.audienceChoice === 'new'}
                onChange={() => onChange({ audienceChoice: 'new' })}
                aria-describedby="audience-choice-new-help"
              />
              <label htmlFor="audience-choice-new">New</label>
              <span id="audience-choice-new-help" className="radio-help">
                Create an audience with this name
              </span>
            </div>
            <div className="radio">
              <input
                type="radio"
                id="audience-choice-existing"
                name="audience-choice"
                value="existing"
                checked={value.audienceChoice === 'existing'}
                onChange={() => onChange({ audienceChoice: 'existing' })}
                aria-describedby="audience-choice-existing-help"
              />
              <label htmlFor="audience-choice-existing">Existing</label>
              <span id="audience-choice-existing-help" className="radio-help">
                Update one the ad account already has
              </span>
            </div>
          </div>
        </fieldset>

        {value.audienceChoice === 'new' ? (
          <TextField
            id={FIELD_IDS.audienceName}
            label="Audience name"
            value={value.audienceName}
            onValue={(audienceName) => onChange({ audienceName })}
            error={problems.audienceName ?? (over ? `Too long: at most ${max} characters.` : undefined)}
            autoComplete="off"
            describedById="audience-name-counter"
            extra={
              <p id="audience-name-counter" className={`counter ${over ? 'counter-over' : ''}`}>
                {max !== undefined
                  ? `${nameLength} / ${max} characters`
                  : `${nameLength} characters (choose a destination to see its limit)`}
              </p>
            }
          />
        ) : (
          <div className="existing-audience">
            {!destination ? (
              <p className="muted">Choose a destination first to list its audiences.</p>
            ) : (
              <>
                <TextField
                  label="Search audiences"
                  type="search"
                  value={audienceSearch}
                  onValue={setAudienceSearch}
                  placeholder="Part of the audience name"
                />
                <SelectField
                  id={FIELD_IDS.existingAudience}
                  label="Existing audience"
                  value={value.existingAudience?.id ?? ''}
                  onValue={(id) => onChange({ existingAudience: audienceOptions.find((item) => item.id === id) ?? null })}
                  error={problems.existingAudience}
                  aria-busy={audiencesLoading}
                  hint={
                    audiencesLoading
                      ? 'Loading the audiences of this account…'
                      : audiences
                        ? `${audiences.length} audience${audiences.length === 1 ? '' : 's'} found.`
                        : undefined
                  }
                >
                  <option value="">Choose an audience</option>
                  {chosenMissing && value.existingAudience ? (
                    <option value={value.existingAudience.id}>{value.existingAudience.name}</option>
                  ) : null}
                  {audienceOptions.map((item) => (
                    <option key={item.id} value={item.id}>
                      {item.name} (id {item.id}
                      {item.size !== null && item.size !== undefined ? `, about ${formatNumber(item.size)} people` : ''})
                    </option>
                  ))}
                </SelectField>
                <ErrorAlert error={audiencesError} title="Could not list the audiences" />
                {audiencesError ? (
                  <button type="button" className="button button-small" onClick={() => setAudiencesKey((key) => key + 1)}>
                    Try again
                  </button>
                ) : null}
              </>
            )}
          </div>
        )}
      </Card>

      <Card title="How to update it">
        <div className="grid-2">
          <div>
            <SelectField
              label="Mode"
              value={value.mode}
              onValue={(mode) => onChange({ mode: mode as UploadMode })}
              hint={MODE_HELP[value.mode]}
            >
              {modes.map((mode) => (
                <option key={mode} value={mode}>
                  {mode}
                </option>
              ))}
            </SelectField>
            <ul className="mode-help">
              {modes.map((mode) => (
                <li key={mode} className={mode === value.mode ? 'mode-current' : undefined}>
                  <strong>{mode}</strong>: {MODE_HELP[mode]}
                </li>
              ))}
            </ul>
            {platform && (platform.minimumAudienceSize ?? 0) > 0 ? (
              <p className="field-hint">
                {platform.label} needs at least {formatNumber(platform.minimumAudienceSize)} people in an audience for it to
                be usable.
              </p>
            ) : null}
          </div>
          <TextField
            id={FIELD_IDS.defaultCountry}
            label="Default country"
            value={value.defaultCountry}
            onValue={(defaultCountry) => onChange({ defaultCountry: defaultCountry.toUpperCase() })}
            maxLength={2}
            autoComplete="off"
            spellCheck={false}
            className="input-short"
            placeholder="US"
            error={problems.defaultCountry}
            hint={
              <>
                Optional. Two-letter code (ISO 3166-1) for rows without a country: phone numbers without a + prefix get
                its calling code.
                {knownCountry ? <strong> {knownCountry}.</strong> : null}
              </>
            }
          />
        </div>
      </Card>

      <div className="wizard-footer">
        <button type="button" className="button" onClick={onBack}>
          Back
        </button>
        <button type="button" className="button button-primary" onClick={next}>
          Next
        </button>
      </div>
    </>
  );
}
