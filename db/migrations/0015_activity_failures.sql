-- What the workers saw go wrong, kept where every process can read it (issue 12, "stuck work is
-- visible"): a count of activity failures by activity and reason (the API's /metrics serves it as
-- actionplan_activity_failures_total), and, per action workflow, the projection that is failing
-- now: the event it could not write, since when, how often and the last error. An action whose
-- row is still short of that event a minute later is behind its workflow (the
-- actionplan_projections_behind gauge, and `npm run doctor`).
CREATE TABLE "activity_failure_counts" (
	"activity_type" text NOT NULL,
	"reason" text NOT NULL,
	"failures" bigint DEFAULT 0 NOT NULL,
	"last_failed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "activity_failure_counts_activity_type_reason_pk" PRIMARY KEY("activity_type","reason")
);--> statement-breakpoint
-- No foreign key to actions: a failure must be recordable whatever the action row's state is.
CREATE TABLE "projection_failures" (
	"workflow_id" text PRIMARY KEY NOT NULL,
	"action_id" text NOT NULL,
	"seq" integer NOT NULL,
	"reason" text NOT NULL,
	"last_error" text NOT NULL,
	"attempts" integer DEFAULT 1 NOT NULL,
	"first_failed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_failed_at" timestamp with time zone DEFAULT now() NOT NULL
);
