-- Issue 20: the independent chair (an escalation queue with challenges, responses, resolution
-- and re-timing) and read-only inspectors (access that ends at a date, every read logged).
ALTER TABLE "users" DROP CONSTRAINT "users_role_check";--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_role_check" CHECK (role in ('admin', 'board', 'agency', 'chair', 'inspector'));--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "access_expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_inspector_expiry_check" CHECK (role <> 'inspector' or access_expires_at is not null);--> statement-breakpoint
ALTER TABLE "escalations" ADD COLUMN "resolution" text;--> statement-breakpoint
ALTER TABLE "escalations" ADD COLUMN "resolved_by" uuid;--> statement-breakpoint
ALTER TABLE "escalations" ADD COLUMN "retimed_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "escalations" ADD CONSTRAINT "escalations_resolved_by_users_id_fk" FOREIGN KEY ("resolved_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "escalations" ADD CONSTRAINT "escalations_resolution_check" CHECK (resolution is null or resolution in ('resolved', 'retimed'));--> statement-breakpoint
CREATE INDEX "escalations_open_idx" ON "escalations" USING btree ("raised_at") WHERE "resolved_at" is null;--> statement-breakpoint
CREATE TABLE "escalation_notes" (
	"id" uuid PRIMARY KEY NOT NULL,
	"escalation_id" uuid NOT NULL,
	"action_id" uuid NOT NULL,
	"step" text NOT NULL,
	"text" text DEFAULT '' NOT NULL,
	"sent_to" text,
	"until" timestamp with time zone,
	"recorded_by" uuid,
	"recorded_at" timestamp with time zone NOT NULL,
	CONSTRAINT "escalation_notes_step_check" CHECK (step in ('challenge', 'response', 'resolved', 'retimed')),
	CONSTRAINT "escalation_notes_sent_to_check" CHECK (sent_to is null or sent_to in ('lead', 'senior'))
);--> statement-breakpoint
ALTER TABLE "escalation_notes" ADD CONSTRAINT "escalation_notes_escalation_id_escalations_id_fk" FOREIGN KEY ("escalation_id") REFERENCES "public"."escalations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "escalation_notes" ADD CONSTRAINT "escalation_notes_action_id_actions_id_fk" FOREIGN KEY ("action_id") REFERENCES "public"."actions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "escalation_notes" ADD CONSTRAINT "escalation_notes_recorded_by_users_id_fk" FOREIGN KEY ("recorded_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "escalation_notes_escalation_idx" ON "escalation_notes" USING btree ("escalation_id","recorded_at");--> statement-breakpoint
CREATE TABLE "inspector_reads" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"method" text NOT NULL,
	"path" text NOT NULL,
	"via" text NOT NULL,
	"read_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "inspector_reads_via_check" CHECK (via in ('api', 'page'))
);--> statement-breakpoint
ALTER TABLE "inspector_reads" ADD CONSTRAINT "inspector_reads_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "inspector_reads_read_at_idx" ON "inspector_reads" USING btree ("read_at");--> statement-breakpoint
CREATE INDEX "inspector_reads_user_idx" ON "inspector_reads" USING btree ("user_id","read_at");
