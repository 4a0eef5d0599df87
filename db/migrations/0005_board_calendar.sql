-- Days off added by an admin on top of the shipped England and Wales bank holidays: one-off days
-- (a coronation) and substitute days, which may name the shipped day they replace.
CREATE TABLE "calendar_days" (
	"date" date PRIMARY KEY NOT NULL,
	"title" text NOT NULL,
	"replaces" date,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "calendar_days_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id")
);
