-- One row per running worker, refreshed every few seconds while it polls, deleted when it stops:
-- readiness is "some row is fresh", which follows the last worker within seconds (Temporal's
-- own list of pollers keeps a stopped worker for minutes).
CREATE TABLE "worker_heartbeats" (
	"id" text PRIMARY KEY NOT NULL,
	"task_queue" text NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"seen_at" timestamp with time zone DEFAULT now() NOT NULL
);--> statement-breakpoint
CREATE INDEX "worker_heartbeats_queue_seen_idx" ON "worker_heartbeats" USING btree ("task_queue","seen_at");
