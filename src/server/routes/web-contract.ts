/**
 * The web app's view of the REST API (`web/src/api/types.ts`) checked against the schemas the routes validate with:
 * `npm run typecheck` fails when the two drift apart. What a route answers must fit the web's type for it, and what
 * the web sends must fit the route's body. Nothing here runs; the web keeps its own file because its types are
 * written for reading (comments, names) and it cannot import the server's modules.
 */
import type { z } from 'zod';
import type { IdentifierType } from '../../identifiers/catalog.js';
import type * as Web from '../../../web/src/api/types.js';
import type { ErrorBody } from '../http-errors.js';
import type { auditPageSchema } from './audit.js';
import type { authConfigSchema, loginResponseSchema, sessionResponseSchema } from './auth.js';
import type { dashboardSchema } from './dashboard.js';
import type { previewRequestSchema, previewResponseSchema } from './datasets.js';
import type { connectionTestSchema, newDestinationSchema, platformAudiencesSchema } from './destinations.js';
import type { datasetSchema, destinationSchema, jobDetailSchema, jobSchema, savedMappingSchema, uploadRequestSchema } from './domain-schemas.js';
import type { dropzoneSchema } from './dropzone.js';
import type { fileListingSchema, uploadedFilesSchema } from './files.js';
import type { jobListSchema } from './jobs.js';
import type { platformSchema } from './platforms.js';
import type { newScheduleSchema, scheduleSchema } from './schedules.js';
import type { CreatedTokenJson, TokenJson } from './tokens.js';
import type { dryRunSchema } from './uploads.js';
import type { WithPassword } from './users.js';
import type { UserJson } from '../auth/user-json.js';

/** `Value` where it fits `Type`; else the compiler names the field that does not. */
type Fits<Type, Value extends Type> = Value;
type Answer<S extends z.ZodType> = z.output<S>;
/**
 * A body as the web may send it: identifier types as plain strings (the web offers the platform's own list from
 * GET /api/platforms, and the route refuses any other with a 400).
 */
type Body<S extends z.ZodType> = AnyIdentifierType<z.input<S>>;
type AnyIdentifierType<T> = T extends IdentifierType ? string : T extends (infer U)[] ? AnyIdentifierType<U>[] : T extends object ? { [K in keyof T]: AnyIdentifierType<T[K]> } : T;

// What the server answers, as the web reads it.
export type Answers = [
  Fits<Web.ErrorBody, ErrorBody>,
  Fits<Web.User, UserJson>,
  Fits<Web.LoginResponse, Answer<typeof loginResponseSchema>>,
  Fits<Web.SessionResponse, Answer<typeof sessionResponseSchema>>,
  Fits<Web.AuthConfig, Answer<typeof authConfigSchema>>,
  Fits<Web.ApiToken, Answer<typeof TokenJson>>,
  Fits<Web.CreatedToken, Answer<typeof CreatedTokenJson>>,
  Fits<Web.UserWithPassword, Answer<typeof WithPassword>>,
  Fits<Web.Platform, Answer<typeof platformSchema>>,
  Fits<Web.Destination, Answer<typeof destinationSchema>>,
  Fits<Web.ConnectionTest, Answer<typeof connectionTestSchema>>,
  Fits<{ audiences: Web.PlatformAudience[] }, Answer<typeof platformAudiencesSchema>>,
  Fits<Web.FileListing, Answer<typeof fileListingSchema>>,
  Fits<Web.UploadedFiles, Answer<typeof uploadedFilesSchema>>,
  Fits<Web.Dataset, Answer<typeof datasetSchema>>,
  Fits<Web.PreviewResponse, Answer<typeof previewResponseSchema>>,
  Fits<Web.SavedMapping, Answer<typeof savedMappingSchema>>,
  Fits<Web.DryRunResult, Answer<typeof dryRunSchema>>,
  Fits<Web.Job, Answer<typeof jobSchema>>,
  Fits<Web.JobDetail, Answer<typeof jobDetailSchema>>,
  Fits<Web.JobList, Answer<typeof jobListSchema>>,
  Fits<Web.Dashboard, Answer<typeof dashboardSchema>>,
  Fits<Web.Schedule, Answer<typeof scheduleSchema>>,
  Fits<Web.Dropzone, Answer<typeof dropzoneSchema>>,
  Fits<Web.AuditPage, Answer<typeof auditPageSchema>>,
];

// What the web sends, as the server takes it.
export type Bodies = [
  Fits<Body<typeof uploadRequestSchema>, Web.UploadRequest>,
  Fits<Body<typeof previewRequestSchema>, Web.PreviewRequest>,
  Fits<Body<typeof newDestinationSchema>, Web.NewDestination>,
  Fits<Body<typeof newScheduleSchema>, Web.NewSchedule>,
];
