DROP FUNCTION visible_commit_seq();
