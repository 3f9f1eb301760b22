-- Rebuilds the dimension marts. Platform, category and persona group influencers; product and
-- campaign split each influencer's payout by its share of orders.
-- @param $1 baseline: revenue per order assumed without the influencer (BASELINE_REVENUE_PER_ORDER)
TRUNCATE mart.platform_kpis, mart.category_kpis, mart.persona_kpis, mart.product_kpis, mart.campaign_kpis;

INSERT INTO mart.platform_kpis
SELECT coalesce(platform, 'Unknown'), count(*), sum(orders), sum(revenue), sum(payout), sum(revenue) / nullif(sum(payout), 0),
       (sum(revenue) - sum(orders) * $1::numeric) / nullif(sum(payout), 0), count(*) FILTER (WHERE is_loss_maker),
       coalesce(sum(greatest(payout - revenue, 0)) FILTER (WHERE is_loss_maker), 0),
       sum(reach), (sum(likes) + sum(comments))::double precision / nullif(sum(reach), 0)
FROM mart.influencer_kpis GROUP BY 1;

INSERT INTO mart.category_kpis
SELECT coalesce(category, 'Unknown'), count(*), sum(orders), sum(revenue), sum(payout), sum(revenue) / nullif(sum(payout), 0),
       (sum(revenue) - sum(orders) * $1::numeric) / nullif(sum(payout), 0), count(*) FILTER (WHERE is_loss_maker),
       coalesce(sum(greatest(payout - revenue, 0)) FILTER (WHERE is_loss_maker), 0),
       sum(reach), (sum(likes) + sum(comments))::double precision / nullif(sum(reach), 0)
FROM mart.influencer_kpis GROUP BY 1;

INSERT INTO mart.persona_kpis
SELECT coalesce(category, 'Unknown'), coalesce(gender, 'Unknown'), count(*), sum(orders), sum(revenue), sum(payout),
       sum(revenue) / nullif(sum(payout), 0), (sum(revenue) - sum(orders) * $1::numeric) / nullif(sum(payout), 0),
       count(*) FILTER (WHERE is_loss_maker), coalesce(sum(greatest(payout - revenue, 0)) FILTER (WHERE is_loss_maker), 0),
       sum(reach), (sum(likes) + sum(comments))::double precision / nullif(sum(reach), 0)
FROM mart.influencer_kpis GROUP BY 1, 2;

INSERT INTO mart.product_kpis
SELECT coalesce(nullif(m.product, ''), 'Unknown'), count(*), sum(m.orders), sum(m.revenue),
       round(coalesce(sum(k.payout * m.orders / nullif(k.orders, 0)), 0), 2),
       sum(m.revenue) / nullif(sum(k.payout * m.orders / nullif(k.orders, 0)), 0),
       (sum(m.revenue) - sum(m.orders) * $1::numeric) / nullif(sum(k.payout * m.orders / nullif(k.orders, 0)), 0),
       count(*) FILTER (WHERE k.is_loss_maker),
       round(coalesce(sum(greatest(k.payout * m.orders / nullif(k.orders, 0) - m.revenue, 0)) FILTER (WHERE k.is_loss_maker), 0), 2)
FROM core.orders_product m JOIN mart.influencer_kpis k USING (influencer_id)
GROUP BY 1;

INSERT INTO mart.campaign_kpis
SELECT coalesce(nullif(m.campaign, ''), 'Unknown'), count(*), sum(m.orders), sum(m.revenue),
       round(coalesce(sum(k.payout * m.orders / nullif(k.orders, 0)), 0), 2),
       sum(m.revenue) / nullif(sum(k.payout * m.orders / nullif(k.orders, 0)), 0),
       (sum(m.revenue) - sum(m.orders) * $1::numeric) / nullif(sum(k.payout * m.orders / nullif(k.orders, 0)), 0),
       count(*) FILTER (WHERE k.is_loss_maker),
       round(coalesce(sum(greatest(k.payout * m.orders / nullif(k.orders, 0) - m.revenue, 0)) FILTER (WHERE k.is_loss_maker), 0), 2)
FROM core.orders_campaign m JOIN mart.influencer_kpis k USING (influencer_id)
GROUP BY 1;
