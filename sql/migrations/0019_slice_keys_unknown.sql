-- Issue 19: the per-creator product and campaign sums keep a missing or empty name as 'Unknown'
-- (sql/fold/order-sums.sql), the name the marts group it by, so each creator has one row per
-- product (campaign) as the marts see it and the KPI statements need not group them again.
-- Rows kept under '' before are merged into 'Unknown'.
INSERT INTO core.orders_product AS m (influencer_id, product, orders, revenue)
SELECT influencer_id, 'Unknown', orders, revenue FROM core.orders_product WHERE product = ''
ON CONFLICT (influencer_id, product) DO UPDATE SET orders = m.orders + excluded.orders, revenue = m.revenue + excluded.revenue;
DELETE FROM core.orders_product WHERE product = '';
INSERT INTO core.orders_campaign AS m (influencer_id, campaign, orders, revenue)
SELECT influencer_id, 'Unknown', orders, revenue FROM core.orders_campaign WHERE campaign = ''
ON CONFLICT (influencer_id, campaign) DO UPDATE SET orders = m.orders + excluded.orders, revenue = m.revenue + excluded.revenue;
DELETE FROM core.orders_campaign WHERE campaign = '';
COMMENT ON COLUMN mart.product_kpis.product IS 'Product as tracked in orders; Unknown for orders without one.';
COMMENT ON COLUMN mart.product_kpis.influencers IS 'Influencers with orders of this product, each counted once.';
COMMENT ON COLUMN mart.campaign_kpis.campaign IS 'Campaign as tracked in orders; Unknown for orders without one.';
COMMENT ON COLUMN mart.campaign_kpis.influencers IS 'Influencers with orders in this campaign, each counted once.';
