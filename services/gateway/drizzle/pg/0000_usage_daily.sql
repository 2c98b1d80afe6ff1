CREATE TABLE "usage_daily" (
	"key_hash" text NOT NULL,
	"day" text NOT NULL,
	"model" text NOT NULL,
	"prompt_tokens" bigint DEFAULT 0 NOT NULL,
	"completion_tokens" bigint DEFAULT 0 NOT NULL,
	"requests" bigint DEFAULT 0 NOT NULL,
	"cost" double precision DEFAULT 0 NOT NULL,
	"updated_at" timestamp (3) NOT NULL,
	CONSTRAINT "usage_daily_day_key_hash_model_pk" PRIMARY KEY("day","key_hash","model")
);
