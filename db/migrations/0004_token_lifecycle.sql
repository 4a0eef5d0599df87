-- Token lifecycle: each user holds at most one API token, named by token_id (so it can be revoked
-- by id without revealing it), valid until token_expires_at; a deactivated user holds none.
-- Tokens issued before this migration expire 90 days from now (the default lifetime), rather
-- than never, so a forgotten token does not stay usable for ever.
ALTER TABLE "users" ADD COLUMN "token_id" uuid DEFAULT gen_random_uuid();--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "token_expires_at" timestamp with time zone DEFAULT now() + interval '90 days' NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "deactivated_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_token_id_unique" UNIQUE("token_id");
