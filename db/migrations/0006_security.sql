-- Failure counters shared by every API process (bad bearer tokens, sign-in link requests):
-- one row per key and window, counted by a single upsert.
CREATE TABLE "rate_limits" (
	"key" text PRIMARY KEY NOT NULL,
	"count" integer NOT NULL,
	"reset_at" timestamp with time zone NOT NULL
);--> statement-breakpoint
-- A sign-in link asked for by a browser works only in that browser (the hash of a cookie it was given).
ALTER TABLE "login_tokens" ADD COLUMN "browser_nonce_hash" text;--> statement-breakpoint
-- 1: sha256 chain (rows written before the audit key existed); 2: HMAC-SHA256 with AUDIT_KEY.
ALTER TABLE "audit_events" ADD COLUMN "scheme" smallint DEFAULT 1 NOT NULL;--> statement-breakpoint
-- The audit trail is append-only for everyone the application connects as; the table owner can
-- still drop the trigger, which is why the chain is signed as well.
CREATE FUNCTION "audit_events_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;--> statement-breakpoint
CREATE TRIGGER "audit_events_no_update_delete" BEFORE UPDATE OR DELETE ON "audit_events"
  FOR EACH ROW EXECUTE FUNCTION "audit_events_append_only"();--> statement-breakpoint
CREATE TRIGGER "audit_events_no_truncate" BEFORE TRUNCATE ON "audit_events"
  FOR EACH STATEMENT EXECUTE FUNCTION "audit_events_append_only"();
