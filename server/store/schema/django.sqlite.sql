-- The Django tables of the original's `manage.py migrate` (Django 2.1, SQLite)
-- that vsauth does not use, as the original created them: vsauth's migration
-- step 6 creates what is missing, so that the original can take over a
-- database vsauth made. Generated from fixtures/original/original.sqlite3.

CREATE TABLE IF NOT EXISTS "django_migrations" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "app" varchar(255) NOT NULL, "name" varchar(255) NOT NULL, "applied" datetime NOT NULL);
CREATE TABLE IF NOT EXISTS "django_content_type" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "app_label" varchar(100) NOT NULL, "model" varchar(100) NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS "django_content_type_app_label_model_76bd3d3b_uniq" ON "django_content_type" ("app_label", "model");
CREATE TABLE IF NOT EXISTS "auth_group" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(80) NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS "auth_group_permissions" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "group_id" integer NOT NULL REFERENCES "auth_group" ("id") DEFERRABLE INITIALLY DEFERRED, "permission_id" integer NOT NULL REFERENCES "auth_permission" ("id") DEFERRABLE INITIALLY DEFERRED);
CREATE UNIQUE INDEX IF NOT EXISTS "auth_group_permissions_group_id_permission_id_0cd325b0_uniq" ON "auth_group_permissions" ("group_id", "permission_id");
CREATE INDEX IF NOT EXISTS "auth_group_permissions_group_id_b120cbf9" ON "auth_group_permissions" ("group_id");
CREATE INDEX IF NOT EXISTS "auth_group_permissions_permission_id_84c5c92e" ON "auth_group_permissions" ("permission_id");
CREATE TABLE IF NOT EXISTS "auth_permission" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "content_type_id" integer NOT NULL REFERENCES "django_content_type" ("id") DEFERRABLE INITIALLY DEFERRED, "codename" varchar(100) NOT NULL, "name" varchar(255) NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS "auth_permission_content_type_id_codename_01ab375a_uniq" ON "auth_permission" ("content_type_id", "codename");
CREATE INDEX IF NOT EXISTS "auth_permission_content_type_id_2f476e4b" ON "auth_permission" ("content_type_id");
CREATE TABLE IF NOT EXISTS "users_groups" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "customuser_id" integer NOT NULL REFERENCES "users" ("id") DEFERRABLE INITIALLY DEFERRED, "group_id" integer NOT NULL REFERENCES "auth_group" ("id") DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE IF NOT EXISTS "users_user_permissions" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "customuser_id" integer NOT NULL REFERENCES "users" ("id") DEFERRABLE INITIALLY DEFERRED, "permission_id" integer NOT NULL REFERENCES "auth_permission" ("id") DEFERRABLE INITIALLY DEFERRED);
CREATE UNIQUE INDEX IF NOT EXISTS "users_groups_customuser_id_group_id_927de924_uniq" ON "users_groups" ("customuser_id", "group_id");
CREATE INDEX IF NOT EXISTS "users_groups_customuser_id_4bd991a9" ON "users_groups" ("customuser_id");
CREATE INDEX IF NOT EXISTS "users_groups_group_id_2f3517aa" ON "users_groups" ("group_id");
CREATE UNIQUE INDEX IF NOT EXISTS "users_user_permissions_customuser_id_permission_id_2b4e4e39_uniq" ON "users_user_permissions" ("customuser_id", "permission_id");
CREATE INDEX IF NOT EXISTS "users_user_permissions_customuser_id_efdb305c" ON "users_user_permissions" ("customuser_id");
CREATE INDEX IF NOT EXISTS "users_user_permissions_permission_id_6d08dcd2" ON "users_user_permissions" ("permission_id");
CREATE TABLE IF NOT EXISTS "spaces_space" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "title" varchar(150) NULL, "summary" text NULL, "capacity" integer NULL, "hourly_rate" integer NULL, "daily_rate" integer NULL, "min_booking_hours" integer NULL, "is_hidden" bool NOT NULL, "status" integer NOT NULL, "created_at" datetime NOT NULL, "updated_at" datetime NOT NULL, "owner_id" integer NULL REFERENCES "users" ("id") DEFERRABLE INITIALLY DEFERRED);
CREATE INDEX IF NOT EXISTS "spaces_space_owner_id_1379529a" ON "spaces_space" ("owner_id");
CREATE TABLE IF NOT EXISTS "spaces_spacebooking" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "status" integer NOT NULL, "full_day" bool NOT NULL, "from_date" datetime NOT NULL, "to_date" datetime NULL, "guests" integer NOT NULL, "rate" integer NOT NULL, "comments" text NULL, "total" integer NOT NULL, "created_at" datetime NOT NULL, "updated_at" datetime NOT NULL, "requested_by_id" integer NOT NULL REFERENCES "users" ("id") DEFERRABLE INITIALLY DEFERRED, "space_id" integer NOT NULL REFERENCES "spaces_space" ("id") DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE IF NOT EXISTS "spaces_spaceimage" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "original_image" varchar(100) NOT NULL, "description" text NULL, "order" integer NOT NULL, "created_at" datetime NOT NULL, "updated_at" datetime NOT NULL, "space_id" integer NOT NULL REFERENCES "spaces_space" ("id") DEFERRABLE INITIALLY DEFERRED);
CREATE INDEX IF NOT EXISTS "spaces_spacebooking_requested_by_id_335717a8" ON "spaces_spacebooking" ("requested_by_id");
CREATE INDEX IF NOT EXISTS "spaces_spacebooking_space_id_52edc716" ON "spaces_spacebooking" ("space_id");
CREATE INDEX IF NOT EXISTS "spaces_spaceimage_space_id_8284180b" ON "spaces_spaceimage" ("space_id");
CREATE TABLE IF NOT EXISTS "messaging_messagethread_participants" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "messagethread_id" integer NOT NULL REFERENCES "messaging_messagethread" ("id") DEFERRABLE INITIALLY DEFERRED, "customuser_id" integer NOT NULL REFERENCES "users" ("id") DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE IF NOT EXISTS "messaging_unreadreceipt" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "date" datetime NOT NULL, "message_id" integer NOT NULL REFERENCES "messaging_message" ("id") DEFERRABLE INITIALLY DEFERRED, "recipient_id" integer NOT NULL REFERENCES "users" ("id") DEFERRABLE INITIALLY DEFERRED, "thread_id" integer NOT NULL REFERENCES "messaging_messagethread" ("id") DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE IF NOT EXISTS "messaging_message" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "message_id" char(32) NOT NULL UNIQUE, "date" datetime NOT NULL, "updated" datetime NOT NULL, "content" varchar(1024) NOT NULL, "sender_id" integer NULL REFERENCES "users" ("id") DEFERRABLE INITIALLY DEFERRED, "thread_id" integer NOT NULL REFERENCES "messaging_messagethread" ("id") DEFERRABLE INITIALLY DEFERRED);
CREATE UNIQUE INDEX IF NOT EXISTS "messaging_messagethread_participants_messagethread_id_customuser_id_f97c73cc_uniq" ON "messaging_messagethread_participants" ("messagethread_id", "customuser_id");
CREATE INDEX IF NOT EXISTS "messaging_messagethread_participants_messagethread_id_be174dfd" ON "messaging_messagethread_participants" ("messagethread_id");
CREATE INDEX IF NOT EXISTS "messaging_messagethread_participants_customuser_id_ab34ca27" ON "messaging_messagethread_participants" ("customuser_id");
CREATE INDEX IF NOT EXISTS "messaging_unreadreceipt_message_id_aa30940a" ON "messaging_unreadreceipt" ("message_id");
CREATE INDEX IF NOT EXISTS "messaging_unreadreceipt_recipient_id_1dada340" ON "messaging_unreadreceipt" ("recipient_id");
CREATE INDEX IF NOT EXISTS "messaging_unreadreceipt_thread_id_ff1613fb" ON "messaging_unreadreceipt" ("thread_id");
CREATE INDEX IF NOT EXISTS "messaging_message_sender_id_7a7088e6" ON "messaging_message" ("sender_id");
CREATE INDEX IF NOT EXISTS "messaging_message_thread_id_f689027f" ON "messaging_message" ("thread_id");
CREATE TABLE IF NOT EXISTS "messaging_messagethread" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "room_id" char(32) NOT NULL UNIQUE, "last_message_id" integer NULL REFERENCES "messaging_message" ("id") DEFERRABLE INITIALLY DEFERRED, "space_id" integer NULL REFERENCES "spaces_space" ("id") DEFERRABLE INITIALLY DEFERRED);
CREATE INDEX IF NOT EXISTS "messaging_messagethread_last_message_id_74d9955c" ON "messaging_messagethread" ("last_message_id");
CREATE INDEX IF NOT EXISTS "messaging_messagethread_space_id_157f4359" ON "messaging_messagethread" ("space_id");
