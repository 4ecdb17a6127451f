-- Accounts managed in the browser: an account disabled by an administrator or the task force
-- signs in no more (its sessions and tokens end); a password set by someone else (a new
-- account, a reset) must be changed at the next sign-in before anything else.
ALTER TABLE users ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
