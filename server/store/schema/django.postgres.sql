-- The original's schema as Django 2.1's `manage.py migrate` creates it on
-- PostgreSQL (pg_dump of shared/fixtures/original/original-postgres-schema.sql,
-- without pg_dump's session settings and with unqualified names, so that it
-- follows search_path). vsauth applies it to an empty database only.

CREATE TABLE account_profile (
    id integer NOT NULL,
    display_name character varying(155),
    profile_image character varying(100),
    about text,
    user_id integer
);

CREATE SEQUENCE account_profile_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE account_profile_id_seq OWNED BY account_profile.id;

CREATE TABLE auth_group (
    id integer NOT NULL,
    name character varying(80) NOT NULL
);

CREATE SEQUENCE auth_group_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE auth_group_id_seq OWNED BY auth_group.id;

CREATE TABLE auth_group_permissions (
    id integer NOT NULL,
    group_id integer NOT NULL,
    permission_id integer NOT NULL
);

CREATE SEQUENCE auth_group_permissions_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE auth_group_permissions_id_seq OWNED BY auth_group_permissions.id;

CREATE TABLE auth_permission (
    id integer NOT NULL,
    name character varying(255) NOT NULL,
    content_type_id integer NOT NULL,
    codename character varying(100) NOT NULL
);

CREATE SEQUENCE auth_permission_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE auth_permission_id_seq OWNED BY auth_permission.id;

CREATE TABLE django_content_type (
    id integer NOT NULL,
    app_label character varying(100) NOT NULL,
    model character varying(100) NOT NULL
);

CREATE SEQUENCE django_content_type_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE django_content_type_id_seq OWNED BY django_content_type.id;

CREATE TABLE django_migrations (
    id integer NOT NULL,
    app character varying(255) NOT NULL,
    name character varying(255) NOT NULL,
    applied timestamp with time zone NOT NULL
);

CREATE SEQUENCE django_migrations_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE django_migrations_id_seq OWNED BY django_migrations.id;

CREATE TABLE messaging_message (
    id integer NOT NULL,
    message_id uuid NOT NULL,
    date timestamp with time zone NOT NULL,
    updated timestamp with time zone NOT NULL,
    content character varying(1024) NOT NULL,
    sender_id integer,
    thread_id integer NOT NULL
);

CREATE SEQUENCE messaging_message_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE messaging_message_id_seq OWNED BY messaging_message.id;

CREATE TABLE messaging_messagethread (
    id integer NOT NULL,
    room_id uuid NOT NULL,
    last_message_id integer,
    space_id integer
);

CREATE SEQUENCE messaging_messagethread_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE messaging_messagethread_id_seq OWNED BY messaging_messagethread.id;

CREATE TABLE messaging_messagethread_participants (
    id integer NOT NULL,
    messagethread_id integer NOT NULL,
    customuser_id integer NOT NULL
);

CREATE SEQUENCE messaging_messagethread_participants_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE messaging_messagethread_participants_id_seq OWNED BY messaging_messagethread_participants.id;

CREATE TABLE messaging_unreadreceipt (
    id integer NOT NULL,
    date timestamp with time zone NOT NULL,
    message_id integer NOT NULL,
    recipient_id integer NOT NULL,
    thread_id integer NOT NULL
);

CREATE SEQUENCE messaging_unreadreceipt_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE messaging_unreadreceipt_id_seq OWNED BY messaging_unreadreceipt.id;

CREATE TABLE otp_static_staticdevice (
    id integer NOT NULL,
    name character varying(64) NOT NULL,
    confirmed boolean NOT NULL,
    user_id integer NOT NULL
);

CREATE SEQUENCE otp_static_staticdevice_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE otp_static_staticdevice_id_seq OWNED BY otp_static_staticdevice.id;

CREATE TABLE otp_static_statictoken (
    id integer NOT NULL,
    token character varying(16) NOT NULL,
    device_id integer NOT NULL
);

CREATE SEQUENCE otp_static_statictoken_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE otp_static_statictoken_id_seq OWNED BY otp_static_statictoken.id;

CREATE TABLE otp_totp_totpdevice (
    id integer NOT NULL,
    name character varying(64) NOT NULL,
    confirmed boolean NOT NULL,
    key character varying(80) NOT NULL,
    step smallint NOT NULL,
    t0 bigint NOT NULL,
    digits smallint NOT NULL,
    tolerance smallint NOT NULL,
    drift smallint NOT NULL,
    last_t bigint NOT NULL,
    user_id integer NOT NULL,
    CONSTRAINT otp_totp_totpdevice_digits_check CHECK ((digits >= 0)),
    CONSTRAINT otp_totp_totpdevice_step_check CHECK ((step >= 0)),
    CONSTRAINT otp_totp_totpdevice_tolerance_check CHECK ((tolerance >= 0))
);

CREATE SEQUENCE otp_totp_totpdevice_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE otp_totp_totpdevice_id_seq OWNED BY otp_totp_totpdevice.id;

CREATE TABLE spaces_space (
    id integer NOT NULL,
    title character varying(150),
    summary text,
    capacity integer,
    hourly_rate integer,
    daily_rate integer,
    min_booking_hours integer,
    is_hidden boolean NOT NULL,
    status integer NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    owner_id integer
);

CREATE SEQUENCE spaces_space_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE spaces_space_id_seq OWNED BY spaces_space.id;

CREATE TABLE spaces_spacebooking (
    id integer NOT NULL,
    status integer NOT NULL,
    full_day boolean NOT NULL,
    from_date timestamp with time zone NOT NULL,
    to_date timestamp with time zone,
    guests integer NOT NULL,
    rate integer NOT NULL,
    comments text,
    total integer NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    requested_by_id integer NOT NULL,
    space_id integer NOT NULL
);

CREATE SEQUENCE spaces_spacebooking_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE spaces_spacebooking_id_seq OWNED BY spaces_spacebooking.id;

CREATE TABLE spaces_spaceimage (
    id integer NOT NULL,
    original_image character varying(100) NOT NULL,
    description text,
    "order" integer NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    space_id integer NOT NULL
);

CREATE SEQUENCE spaces_spaceimage_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE spaces_spaceimage_id_seq OWNED BY spaces_spaceimage.id;

CREATE TABLE users (
    id integer NOT NULL,
    password character varying(128) NOT NULL,
    last_login timestamp with time zone,
    is_superuser boolean NOT NULL,
    email character varying(255) NOT NULL,
    is_active boolean NOT NULL,
    is_admin boolean NOT NULL,
    jwt_secret uuid NOT NULL,
    date_joined timestamp with time zone NOT NULL
);

CREATE TABLE users_groups (
    id integer NOT NULL,
    customuser_id integer NOT NULL,
    group_id integer NOT NULL
);

CREATE SEQUENCE users_groups_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE users_groups_id_seq OWNED BY users_groups.id;

CREATE SEQUENCE users_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE users_id_seq OWNED BY users.id;

CREATE TABLE users_user_permissions (
    id integer NOT NULL,
    customuser_id integer NOT NULL,
    permission_id integer NOT NULL
);

CREATE SEQUENCE users_user_permissions_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE users_user_permissions_id_seq OWNED BY users_user_permissions.id;

ALTER TABLE ONLY account_profile ALTER COLUMN id SET DEFAULT nextval('account_profile_id_seq'::regclass);

ALTER TABLE ONLY auth_group ALTER COLUMN id SET DEFAULT nextval('auth_group_id_seq'::regclass);

ALTER TABLE ONLY auth_group_permissions ALTER COLUMN id SET DEFAULT nextval('auth_group_permissions_id_seq'::regclass);

ALTER TABLE ONLY auth_permission ALTER COLUMN id SET DEFAULT nextval('auth_permission_id_seq'::regclass);

ALTER TABLE ONLY django_content_type ALTER COLUMN id SET DEFAULT nextval('django_content_type_id_seq'::regclass);

ALTER TABLE ONLY django_migrations ALTER COLUMN id SET DEFAULT nextval('django_migrations_id_seq'::regclass);

ALTER TABLE ONLY messaging_message ALTER COLUMN id SET DEFAULT nextval('messaging_message_id_seq'::regclass);

ALTER TABLE ONLY messaging_messagethread ALTER COLUMN id SET DEFAULT nextval('messaging_messagethread_id_seq'::regclass);

ALTER TABLE ONLY messaging_messagethread_participants ALTER COLUMN id SET DEFAULT nextval('messaging_messagethread_participants_id_seq'::regclass);

ALTER TABLE ONLY messaging_unreadreceipt ALTER COLUMN id SET DEFAULT nextval('messaging_unreadreceipt_id_seq'::regclass);

ALTER TABLE ONLY otp_static_staticdevice ALTER COLUMN id SET DEFAULT nextval('otp_static_staticdevice_id_seq'::regclass);

ALTER TABLE ONLY otp_static_statictoken ALTER COLUMN id SET DEFAULT nextval('otp_static_statictoken_id_seq'::regclass);

ALTER TABLE ONLY otp_totp_totpdevice ALTER COLUMN id SET DEFAULT nextval('otp_totp_totpdevice_id_seq'::regclass);

ALTER TABLE ONLY spaces_space ALTER COLUMN id SET DEFAULT nextval('spaces_space_id_seq'::regclass);

ALTER TABLE ONLY spaces_spacebooking ALTER COLUMN id SET DEFAULT nextval('spaces_spacebooking_id_seq'::regclass);

ALTER TABLE ONLY spaces_spaceimage ALTER COLUMN id SET DEFAULT nextval('spaces_spaceimage_id_seq'::regclass);

ALTER TABLE ONLY users ALTER COLUMN id SET DEFAULT nextval('users_id_seq'::regclass);

ALTER TABLE ONLY users_groups ALTER COLUMN id SET DEFAULT nextval('users_groups_id_seq'::regclass);

ALTER TABLE ONLY users_user_permissions ALTER COLUMN id SET DEFAULT nextval('users_user_permissions_id_seq'::regclass);

ALTER TABLE ONLY account_profile
    ADD CONSTRAINT account_profile_pkey PRIMARY KEY (id);

ALTER TABLE ONLY account_profile
    ADD CONSTRAINT account_profile_user_id_key UNIQUE (user_id);

ALTER TABLE ONLY auth_group
    ADD CONSTRAINT auth_group_name_key UNIQUE (name);

ALTER TABLE ONLY auth_group_permissions
    ADD CONSTRAINT auth_group_permissions_group_id_permission_id_0cd325b0_uniq UNIQUE (group_id, permission_id);

ALTER TABLE ONLY auth_group_permissions
    ADD CONSTRAINT auth_group_permissions_pkey PRIMARY KEY (id);

ALTER TABLE ONLY auth_group
    ADD CONSTRAINT auth_group_pkey PRIMARY KEY (id);

ALTER TABLE ONLY auth_permission
    ADD CONSTRAINT auth_permission_content_type_id_codename_01ab375a_uniq UNIQUE (content_type_id, codename);

ALTER TABLE ONLY auth_permission
    ADD CONSTRAINT auth_permission_pkey PRIMARY KEY (id);

ALTER TABLE ONLY django_content_type
    ADD CONSTRAINT django_content_type_app_label_model_76bd3d3b_uniq UNIQUE (app_label, model);

ALTER TABLE ONLY django_content_type
    ADD CONSTRAINT django_content_type_pkey PRIMARY KEY (id);

ALTER TABLE ONLY django_migrations
    ADD CONSTRAINT django_migrations_pkey PRIMARY KEY (id);

ALTER TABLE ONLY messaging_message
    ADD CONSTRAINT messaging_message_message_id_key UNIQUE (message_id);

ALTER TABLE ONLY messaging_message
    ADD CONSTRAINT messaging_message_pkey PRIMARY KEY (id);

ALTER TABLE ONLY messaging_messagethread_participants
    ADD CONSTRAINT messaging_messagethread__messagethread_id_customu_f97c73cc_uniq UNIQUE (messagethread_id, customuser_id);

ALTER TABLE ONLY messaging_messagethread_participants
    ADD CONSTRAINT messaging_messagethread_participants_pkey PRIMARY KEY (id);

ALTER TABLE ONLY messaging_messagethread
    ADD CONSTRAINT messaging_messagethread_pkey PRIMARY KEY (id);

ALTER TABLE ONLY messaging_messagethread
    ADD CONSTRAINT messaging_messagethread_room_id_key UNIQUE (room_id);

ALTER TABLE ONLY messaging_unreadreceipt
    ADD CONSTRAINT messaging_unreadreceipt_pkey PRIMARY KEY (id);

ALTER TABLE ONLY otp_static_staticdevice
    ADD CONSTRAINT otp_static_staticdevice_pkey PRIMARY KEY (id);

ALTER TABLE ONLY otp_static_statictoken
    ADD CONSTRAINT otp_static_statictoken_pkey PRIMARY KEY (id);

ALTER TABLE ONLY otp_totp_totpdevice
    ADD CONSTRAINT otp_totp_totpdevice_pkey PRIMARY KEY (id);

ALTER TABLE ONLY spaces_space
    ADD CONSTRAINT spaces_space_pkey PRIMARY KEY (id);

ALTER TABLE ONLY spaces_spacebooking
    ADD CONSTRAINT spaces_spacebooking_pkey PRIMARY KEY (id);

ALTER TABLE ONLY spaces_spaceimage
    ADD CONSTRAINT spaces_spaceimage_pkey PRIMARY KEY (id);

ALTER TABLE ONLY users
    ADD CONSTRAINT users_email_key UNIQUE (email);

ALTER TABLE ONLY users_groups
    ADD CONSTRAINT users_groups_customuser_id_group_id_927de924_uniq UNIQUE (customuser_id, group_id);

ALTER TABLE ONLY users_groups
    ADD CONSTRAINT users_groups_pkey PRIMARY KEY (id);

ALTER TABLE ONLY users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);

ALTER TABLE ONLY users_user_permissions
    ADD CONSTRAINT users_user_permissions_customuser_id_permission_2b4e4e39_uniq UNIQUE (customuser_id, permission_id);

ALTER TABLE ONLY users_user_permissions
    ADD CONSTRAINT users_user_permissions_pkey PRIMARY KEY (id);

CREATE INDEX auth_group_name_a6ea08ec_like ON auth_group USING btree (name varchar_pattern_ops);

CREATE INDEX auth_group_permissions_group_id_b120cbf9 ON auth_group_permissions USING btree (group_id);

CREATE INDEX auth_group_permissions_permission_id_84c5c92e ON auth_group_permissions USING btree (permission_id);

CREATE INDEX auth_permission_content_type_id_2f476e4b ON auth_permission USING btree (content_type_id);

CREATE INDEX messaging_message_sender_id_7a7088e6 ON messaging_message USING btree (sender_id);

CREATE INDEX messaging_message_thread_id_f689027f ON messaging_message USING btree (thread_id);

CREATE INDEX messaging_messagethread_last_message_id_74d9955c ON messaging_messagethread USING btree (last_message_id);

CREATE INDEX messaging_messagethread_participants_customuser_id_ab34ca27 ON messaging_messagethread_participants USING btree (customuser_id);

CREATE INDEX messaging_messagethread_participants_messagethread_id_be174dfd ON messaging_messagethread_participants USING btree (messagethread_id);

CREATE INDEX messaging_messagethread_space_id_157f4359 ON messaging_messagethread USING btree (space_id);

CREATE INDEX messaging_unreadreceipt_message_id_aa30940a ON messaging_unreadreceipt USING btree (message_id);

CREATE INDEX messaging_unreadreceipt_recipient_id_1dada340 ON messaging_unreadreceipt USING btree (recipient_id);

CREATE INDEX messaging_unreadreceipt_thread_id_ff1613fb ON messaging_unreadreceipt USING btree (thread_id);

CREATE INDEX otp_static_staticdevice_user_id_7f9cff2b ON otp_static_staticdevice USING btree (user_id);

CREATE INDEX otp_static_statictoken_device_id_74b7c7d1 ON otp_static_statictoken USING btree (device_id);

CREATE INDEX otp_static_statictoken_token_d0a51866 ON otp_static_statictoken USING btree (token);

CREATE INDEX otp_static_statictoken_token_d0a51866_like ON otp_static_statictoken USING btree (token varchar_pattern_ops);

CREATE INDEX otp_totp_totpdevice_user_id_0fb18292 ON otp_totp_totpdevice USING btree (user_id);

CREATE INDEX spaces_space_owner_id_1379529a ON spaces_space USING btree (owner_id);

CREATE INDEX spaces_spacebooking_requested_by_id_335717a8 ON spaces_spacebooking USING btree (requested_by_id);

CREATE INDEX spaces_spacebooking_space_id_52edc716 ON spaces_spacebooking USING btree (space_id);

CREATE INDEX spaces_spaceimage_space_id_8284180b ON spaces_spaceimage USING btree (space_id);

CREATE INDEX users_email_0ea73cca_like ON users USING btree (email varchar_pattern_ops);

CREATE INDEX users_groups_customuser_id_4bd991a9 ON users_groups USING btree (customuser_id);

CREATE INDEX users_groups_group_id_2f3517aa ON users_groups USING btree (group_id);

CREATE INDEX users_user_permissions_customuser_id_efdb305c ON users_user_permissions USING btree (customuser_id);

CREATE INDEX users_user_permissions_permission_id_6d08dcd2 ON users_user_permissions USING btree (permission_id);

ALTER TABLE ONLY account_profile
    ADD CONSTRAINT account_profile_user_id_bdd52018_fk_users_id FOREIGN KEY (user_id) REFERENCES users(id) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE ONLY auth_group_permissions
    ADD CONSTRAINT auth_group_permissio_permission_id_84c5c92e_fk_auth_perm FOREIGN KEY (permission_id) REFERENCES auth_permission(id) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE ONLY auth_group_permissions
    ADD CONSTRAINT auth_group_permissions_group_id_b120cbf9_fk_auth_group_id FOREIGN KEY (group_id) REFERENCES auth_group(id) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE ONLY auth_permission
    ADD CONSTRAINT auth_permission_content_type_id_2f476e4b_fk_django_co FOREIGN KEY (content_type_id) REFERENCES django_content_type(id) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE ONLY messaging_message
    ADD CONSTRAINT messaging_message_sender_id_7a7088e6_fk_users_id FOREIGN KEY (sender_id) REFERENCES users(id) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE ONLY messaging_message
    ADD CONSTRAINT messaging_message_thread_id_f689027f_fk_messaging FOREIGN KEY (thread_id) REFERENCES messaging_messagethread(id) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE ONLY messaging_messagethread_participants
    ADD CONSTRAINT messaging_messagethr_customuser_id_ab34ca27_fk_users_id FOREIGN KEY (customuser_id) REFERENCES users(id) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE ONLY messaging_messagethread
    ADD CONSTRAINT messaging_messagethr_last_message_id_74d9955c_fk_messaging FOREIGN KEY (last_message_id) REFERENCES messaging_message(id) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE ONLY messaging_messagethread_participants
    ADD CONSTRAINT messaging_messagethr_messagethread_id_be174dfd_fk_messaging FOREIGN KEY (messagethread_id) REFERENCES messaging_messagethread(id) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE ONLY messaging_messagethread
    ADD CONSTRAINT messaging_messagethread_space_id_157f4359_fk_spaces_space_id FOREIGN KEY (space_id) REFERENCES spaces_space(id) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE ONLY messaging_unreadreceipt
    ADD CONSTRAINT messaging_unreadrece_message_id_aa30940a_fk_messaging FOREIGN KEY (message_id) REFERENCES messaging_message(id) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE ONLY messaging_unreadreceipt
    ADD CONSTRAINT messaging_unreadrece_thread_id_ff1613fb_fk_messaging FOREIGN KEY (thread_id) REFERENCES messaging_messagethread(id) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE ONLY messaging_unreadreceipt
    ADD CONSTRAINT messaging_unreadreceipt_recipient_id_1dada340_fk_users_id FOREIGN KEY (recipient_id) REFERENCES users(id) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE ONLY otp_static_staticdevice
    ADD CONSTRAINT otp_static_staticdevice_user_id_7f9cff2b_fk_users_id FOREIGN KEY (user_id) REFERENCES users(id) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE ONLY otp_static_statictoken
    ADD CONSTRAINT otp_static_statictok_device_id_74b7c7d1_fk_otp_stati FOREIGN KEY (device_id) REFERENCES otp_static_staticdevice(id) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE ONLY otp_totp_totpdevice
    ADD CONSTRAINT otp_totp_totpdevice_user_id_0fb18292_fk_users_id FOREIGN KEY (user_id) REFERENCES users(id) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE ONLY spaces_space
    ADD CONSTRAINT spaces_space_owner_id_1379529a_fk_users_id FOREIGN KEY (owner_id) REFERENCES users(id) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE ONLY spaces_spacebooking
    ADD CONSTRAINT spaces_spacebooking_requested_by_id_335717a8_fk_users_id FOREIGN KEY (requested_by_id) REFERENCES users(id) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE ONLY spaces_spacebooking
    ADD CONSTRAINT spaces_spacebooking_space_id_52edc716_fk_spaces_space_id FOREIGN KEY (space_id) REFERENCES spaces_space(id) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE ONLY spaces_spaceimage
    ADD CONSTRAINT spaces_spaceimage_space_id_8284180b_fk_spaces_space_id FOREIGN KEY (space_id) REFERENCES spaces_space(id) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE ONLY users_groups
    ADD CONSTRAINT users_groups_customuser_id_4bd991a9_fk_users_id FOREIGN KEY (customuser_id) REFERENCES users(id) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE ONLY users_groups
    ADD CONSTRAINT users_groups_group_id_2f3517aa_fk_auth_group_id FOREIGN KEY (group_id) REFERENCES auth_group(id) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE ONLY users_user_permissions
    ADD CONSTRAINT users_user_permissio_permission_id_6d08dcd2_fk_auth_perm FOREIGN KEY (permission_id) REFERENCES auth_permission(id) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE ONLY users_user_permissions
    ADD CONSTRAINT users_user_permissions_customuser_id_efdb305c_fk_users_id FOREIGN KEY (customuser_id) REFERENCES users(id) DEFERRABLE INITIALLY DEFERRED;
