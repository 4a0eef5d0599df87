-- GET /actions pages by (due date, review reference, action reference, id). The review reference
-- is copied onto each action so that order is one index on actions: the page's ids come from an
-- index-only scan and only those rows are joined, instead of joining every skipped row to reviews.
ALTER TABLE "actions" ADD COLUMN "review_reference" text;--> statement-breakpoint
UPDATE "actions" SET "review_reference" = "reviews"."reference" FROM "reviews" WHERE "reviews"."id" = "actions"."review_id";--> statement-breakpoint
ALTER TABLE "actions" ALTER COLUMN "review_reference" SET NOT NULL;--> statement-breakpoint
-- Every insert path (the use-cases, imports, plain SQL such as the benchmark's filler rows) gets the
-- column from reviews, whatever it passed: the copy cannot disagree with the review.
CREATE FUNCTION "actions_set_review_reference"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.review_reference := coalesce((SELECT r.reference FROM reviews r WHERE r.id = NEW.review_id), NEW.review_reference);
  RETURN NEW;
END
$$;--> statement-breakpoint
CREATE TRIGGER "actions_review_reference" BEFORE INSERT OR UPDATE OF "review_id", "review_reference" ON "actions"
  FOR EACH ROW EXECUTE FUNCTION "actions_set_review_reference"();--> statement-breakpoint
-- A review's reference does not change today; if it ever does, its actions follow in the same statement.
CREATE FUNCTION "reviews_propagate_reference"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE actions SET review_reference = NEW.reference WHERE review_id = NEW.id AND review_reference IS DISTINCT FROM NEW.reference;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "reviews_reference_to_actions" AFTER UPDATE OF "reference" ON "reviews"
  FOR EACH ROW WHEN (OLD.reference IS DISTINCT FROM NEW.reference) EXECUTE FUNCTION "reviews_propagate_reference"();--> statement-breakpoint
DROP INDEX "actions_due_idx";--> statement-breakpoint
CREATE INDEX "actions_list_order_idx" ON "actions" USING btree ("due_date","review_reference","reference","id");
