-- Issue 19: core.order_users' key puts the user first, (user_id, grp, influencer_id) instead of
-- (grp, user_id, influencer_id). The rows and their uses are the same (a user's total over every
-- influencer of a group is still a range of the key), but building the sums from every order
-- sorts them on the key, and a sort whose first key is text compares abbreviated keys (the
-- first bytes as an integer) where one led by the group, two values, compares the user ids in
-- full for almost every pair: at 1 M orders that sort takes ≈ 0.4 s instead of ≈ 0.9 s, and the
-- key builds faster for the same reason.
ALTER TABLE core.order_users DROP CONSTRAINT order_users_pkey,
  ADD CONSTRAINT order_users_pkey PRIMARY KEY (user_id, grp, influencer_id);
