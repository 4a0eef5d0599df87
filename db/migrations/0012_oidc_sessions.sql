-- A session signed in through the OpenID Connect provider keeps the ID token it was given, as the
-- id_token_hint of the provider's end-session request at sign-out (null: signed in by e-mailed link).
ALTER TABLE "sessions" ADD COLUMN "oidc_id_token" text;
