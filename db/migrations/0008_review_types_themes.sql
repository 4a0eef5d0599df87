-- Review types (each with a default timers policy the admin can change) and themes: a small
-- controlled list, seeded with the national themes of case review trackers, carried by
-- recommendations and actions so reports can be cut by theme across every review.
ALTER TABLE "reviews" ADD COLUMN "type" text DEFAULT 'other' NOT NULL;--> statement-breakpoint
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_type_check" CHECK (type in ('cspr', 'lcspr', 'scr', 'sar', 'dhr', 'audit', 'other'));--> statement-breakpoint
CREATE TABLE "review_type_policies" (
	"type" text PRIMARY KEY NOT NULL,
	"policy" jsonb NOT NULL,
	"updated_by" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "review_type_policies_type_check" CHECK (type in ('cspr', 'lcspr', 'scr', 'sar', 'dhr', 'audit', 'other'))
);--> statement-breakpoint
ALTER TABLE "review_type_policies" ADD CONSTRAINT "review_type_policies_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE TABLE "themes" (
	"code" text PRIMARY KEY NOT NULL,
	"label" text NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "themes_code_check" CHECK (code ~ '^[a-z0-9][a-z0-9-]{0,39}$')
);--> statement-breakpoint
INSERT INTO "themes" ("code", "label") VALUES
	('pre-birth', 'Pre-birth and unborn babies'),
	('thresholds', 'Thresholds and escalation'),
	('information-sharing', 'Information sharing'),
	('supervision', 'Supervision and management oversight'),
	('neglect', 'Neglect'),
	('domestic-abuse', 'Domestic abuse'),
	('mental-health', 'Parental mental health'),
	('substance-misuse', 'Substance misuse'),
	('hospital-discharge', 'Hospital discharge'),
	('voice-of-the-child', 'Voice of the child'),
	('safe-sleeping', 'Safe sleeping'),
	('multi-agency-working', 'Multi-agency working'),
	('professional-curiosity', 'Professional curiosity'),
	('fathers-and-male-carers', 'Fathers and male carers');--> statement-breakpoint
ALTER TABLE "recommendations" ADD COLUMN "themes" text[] DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE "actions" ADD COLUMN "themes" text[] DEFAULT '{}' NOT NULL;--> statement-breakpoint
CREATE INDEX "actions_themes_idx" ON "actions" USING gin ("themes");--> statement-breakpoint
CREATE INDEX "reviews_type_idx" ON "reviews" USING btree ("type");
