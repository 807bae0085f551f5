-- The commit sequence below which every transaction has ended: a factory's pull lists only
-- work orders under it. A function, so that the pull is one fixed statement that the
-- connection prepares once (a literal SQL fragment would be parsed and planned every poll).
CREATE FUNCTION visible_commit_seq() RETURNS bigint
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint $$;
