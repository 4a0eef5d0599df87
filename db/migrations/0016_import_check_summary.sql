-- Issue 22 (import): check before importing, and one summary mail per agency for a whole import.
--
-- An uploaded action plan that passed every row check, kept until the board confirms it on the
-- "check before importing" page (or it expires), so the file need not be uploaded again and
-- nothing is created before the confirmation. `input` is the parsed review (reference, title,
-- type, policy, recommendations with their actions); `review_id` is set once it was imported.
CREATE TABLE "import_checks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"created_by" uuid NOT NULL,
	"filename" text NOT NULL,
	"input" jsonb NOT NULL,
	"review_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);--> statement-breakpoint
ALTER TABLE "import_checks" ADD CONSTRAINT "import_checks_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "import_checks_expires_idx" ON "import_checks" USING btree ("expires_at");--> statement-breakpoint
-- The outbox key of the import's summary mail that tells this action's assignment (null: the
-- action's own assignment mail, as for every action created one by one).
ALTER TABLE "actions" ADD COLUMN "assignment_mail_key" text;--> statement-breakpoint
CREATE INDEX "actions_assignment_mail_key_idx" ON "actions" USING btree ("assignment_mail_key") WHERE "assignment_mail_key" IS NOT NULL;--> statement-breakpoint
-- Calendar entries of a mail that carries more than one (the import summary: one per action).
ALTER TABLE "notifications" ADD COLUMN "ics_files" jsonb DEFAULT '[]'::jsonb NOT NULL;
