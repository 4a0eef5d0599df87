-- A version for what GET /actions shows: bumped in the same transaction as every write to the
-- tables a page is read from, so a page cached at version v is current exactly while v is the
-- committed version (statement-level: one bump per statement, whatever the number of rows).
CREATE TABLE "read_model_version" (
	"id" integer PRIMARY KEY NOT NULL,
	"version" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "read_model_version_single_row" CHECK (id = 1)
);--> statement-breakpoint
INSERT INTO "read_model_version" ("id", "version") VALUES (1, 0);--> statement-breakpoint
CREATE FUNCTION "bump_read_model_version"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE read_model_version SET version = version + 1 WHERE id = 1;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "actions_bump_read_model_version" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "actions"
  FOR EACH STATEMENT EXECUTE FUNCTION "bump_read_model_version"();--> statement-breakpoint
CREATE TRIGGER "reviews_bump_read_model_version" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "reviews"
  FOR EACH STATEMENT EXECUTE FUNCTION "bump_read_model_version"();--> statement-breakpoint
CREATE TRIGGER "recommendations_bump_read_model_version" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "recommendations"
  FOR EACH STATEMENT EXECUTE FUNCTION "bump_read_model_version"();--> statement-breakpoint
CREATE TRIGGER "agencies_bump_read_model_version" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "agencies"
  FOR EACH STATEMENT EXECUTE FUNCTION "bump_read_model_version"();
