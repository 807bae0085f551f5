-- The encryption key is not restored: the version that used it makes a new one at start.
SELECT 1;
