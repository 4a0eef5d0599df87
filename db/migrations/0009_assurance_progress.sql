-- Issue 17: progress updates that are not submissions, slippage the board can see, and the
-- impact check after approval (assurance, a second dimension next to the status).
-- Slippage: the first due date is kept when an extension moves it (null: never moved, so the due
-- date is the original), and approved extensions are counted. Rows from before are backfilled.
ALTER TABLE "actions" ADD COLUMN "original_due_date" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "actions" ADD COLUMN "extension_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
UPDATE "actions" a SET
	"extension_count" = x.n,
	"original_due_date" = x.first_due
FROM (
	SELECT "action_id", count(*)::int AS n, min("previous_due_date") AS first_due
	FROM "extension_requests" WHERE "status" = 'approved' GROUP BY "action_id"
) x
WHERE x."action_id" = a."id";--> statement-breakpoint
-- The impact check: what is measured, whether the board wants a check at all, the state and date
-- of the check, and the follow-up action a "not embedded" decision created (linked both ways).
ALTER TABLE "actions" ADD COLUMN "impact_measure" text;--> statement-breakpoint
ALTER TABLE "actions" ADD COLUMN "impact_check" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "actions" ADD COLUMN "assurance" text;--> statement-breakpoint
ALTER TABLE "actions" ADD CONSTRAINT "actions_assurance_check" CHECK (assurance is null or assurance in ('scheduled', 'due', 'evidence_submitted', 'evidenced', 'not_embedded', 'waived'));--> statement-breakpoint
ALTER TABLE "actions" ADD COLUMN "impact_check_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "actions" ADD COLUMN "follow_up_of" uuid;--> statement-breakpoint
ALTER TABLE "actions" ADD COLUMN "follow_up_action_id" uuid;--> statement-breakpoint
ALTER TABLE "actions" ADD CONSTRAINT "actions_follow_up_of_actions_id_fk" FOREIGN KEY ("follow_up_of") REFERENCES "public"."actions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "actions_assurance_idx" ON "actions" USING btree ("assurance");--> statement-breakpoint
CREATE TABLE "progress_updates" (
	"id" uuid PRIMARY KEY NOT NULL,
	"action_id" uuid NOT NULL,
	"statement" text NOT NULL,
	"percent_complete" smallint,
	"rag" text,
	"rag_reason" text,
	"attachments" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"submitted_by" uuid,
	"submitted_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "progress_updates_percent_check" CHECK (percent_complete is null or percent_complete between 0 and 100),
	CONSTRAINT "progress_updates_rag_check" CHECK (rag is null or (rag in ('green', 'amber', 'red', 'complete') and rag_reason is not null))
);--> statement-breakpoint
ALTER TABLE "progress_updates" ADD CONSTRAINT "progress_updates_action_id_actions_id_fk" FOREIGN KEY ("action_id") REFERENCES "public"."actions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "progress_updates" ADD CONSTRAINT "progress_updates_submitted_by_users_id_fk" FOREIGN KEY ("submitted_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "progress_updates_action_idx" ON "progress_updates" USING btree ("action_id","submitted_at");--> statement-breakpoint
CREATE TABLE "impact_evidence" (
	"id" uuid PRIMARY KEY NOT NULL,
	"action_id" uuid NOT NULL,
	"statement" text NOT NULL,
	"method" text NOT NULL,
	"links" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"attachments" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"submitted_by" uuid,
	"submitted_at" timestamp with time zone DEFAULT now() NOT NULL
);--> statement-breakpoint
ALTER TABLE "impact_evidence" ADD CONSTRAINT "impact_evidence_action_id_actions_id_fk" FOREIGN KEY ("action_id") REFERENCES "public"."actions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "impact_evidence" ADD CONSTRAINT "impact_evidence_submitted_by_users_id_fk" FOREIGN KEY ("submitted_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "impact_evidence_action_idx" ON "impact_evidence" USING btree ("action_id");--> statement-breakpoint
CREATE TABLE "impact_decisions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"action_id" uuid NOT NULL,
	"evidence_id" uuid,
	"outcome" text NOT NULL,
	"comment" text DEFAULT '' NOT NULL,
	"follow_up_action_id" uuid,
	"decided_by" uuid,
	"decided_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "impact_decisions_outcome_check" CHECK (outcome in ('evidenced', 'not_embedded', 'waived'))
);--> statement-breakpoint
ALTER TABLE "impact_decisions" ADD CONSTRAINT "impact_decisions_action_id_actions_id_fk" FOREIGN KEY ("action_id") REFERENCES "public"."actions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "impact_decisions" ADD CONSTRAINT "impact_decisions_evidence_id_impact_evidence_id_fk" FOREIGN KEY ("evidence_id") REFERENCES "public"."impact_evidence"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "impact_decisions" ADD CONSTRAINT "impact_decisions_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "impact_decisions_action_idx" ON "impact_decisions" USING btree ("action_id");
