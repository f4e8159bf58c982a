-- Schema version 6 is reserved for another branch's migration; this
-- placeholder keeps the numbers gapless until that branch lands and replaces
-- this file. It changes nothing.
SELECT 1;
