-- Rebuilds the dimension marts. Platform, category and persona group influencers; product and
-- campaign split each influencer's payout by its share of orders.
-- Parameters: {{baseline}} revenue per order assumed without the influencer.
TRUNCATE mart.platform_kpis, mart.category_kpis, mart.persona_kpis, mart.product_kpis, mart.campaign_kpis;

INSERT INTO mart.platform_kpis
SELECT coalesce(platform, 'Unknown'), count(*), sum(orders), sum(revenue), sum(payout), sum(revenue) / nullif(sum(payout), 0),
       (sum(revenue) - sum(orders) * {{baseline}}) / nullif(sum(payout), 0), count(*) FILTER (WHERE is_loss_maker),
       coalesce(sum(greatest(payout - revenue, 0)) FILTER (WHERE is_loss_maker), 0),
       sum(reach), (sum(likes) + sum(comments))::double precision / nullif(sum(reach), 0)
FROM mart.influencer_kpis GROUP BY 1;

INSERT INTO mart.category_kpis
SELECT coalesce(category, 'Unknown'), count(*), sum(orders), sum(revenue), sum(payout), sum(revenue) / nullif(sum(payout), 0),
       (sum(revenue) - sum(orders) * {{baseline}}) / nullif(sum(payout), 0), count(*) FILTER (WHERE is_loss_maker),
       coalesce(sum(greatest(payout - revenue, 0)) FILTER (WHERE is_loss_maker), 0),
       sum(reach), (sum(likes) + sum(comments))::double precision / nullif(sum(reach), 0)
FROM mart.influencer_kpis GROUP BY 1;

INSERT INTO mart.persona_kpis
SELECT coalesce(category, 'Unknown'), coalesce(gender, 'Unknown'), count(*), sum(orders), sum(revenue), sum(payout),
       sum(revenue) / nullif(sum(payout), 0), (sum(revenue) - sum(orders) * {{baseline}}) / nullif(sum(payout), 0),
       count(*) FILTER (WHERE is_loss_maker), coalesce(sum(greatest(payout - revenue, 0)) FILTER (WHERE is_loss_maker), 0),
       sum(reach), (sum(likes) + sum(comments))::double precision / nullif(sum(reach), 0)
FROM mart.influencer_kpis GROUP BY 1, 2;

CREATE TEMP TABLE kpi_split ON COMMIT DROP AS
SELECT m.influencer_id, m.product, m.campaign, m.orders, m.revenue,
       k.payout * m.orders / nullif(k.orders, 0) AS payout, k.is_loss_maker
FROM core.orders_mix m JOIN mart.influencer_kpis k USING (influencer_id);

INSERT INTO mart.product_kpis
SELECT coalesce(nullif(product, ''), 'Unknown'), count(DISTINCT influencer_id), sum(orders), sum(revenue), round(coalesce(sum(payout), 0), 2),
       sum(revenue) / nullif(sum(payout), 0), (sum(revenue) - sum(orders) * {{baseline}}) / nullif(sum(payout), 0),
       count(DISTINCT influencer_id) FILTER (WHERE is_loss_maker),
       round(coalesce(sum(greatest(payout - revenue, 0)) FILTER (WHERE is_loss_maker), 0), 2)
FROM kpi_split GROUP BY 1;

INSERT INTO mart.campaign_kpis
SELECT coalesce(nullif(campaign, ''), 'Unknown'), count(DISTINCT influencer_id), sum(orders), sum(revenue), round(coalesce(sum(payout), 0), 2),
       sum(revenue) / nullif(sum(payout), 0), (sum(revenue) - sum(orders) * {{baseline}}) / nullif(sum(payout), 0),
       count(DISTINCT influencer_id) FILTER (WHERE is_loss_maker),
       round(coalesce(sum(greatest(payout - revenue, 0)) FILTER (WHERE is_loss_maker), 0), 2)
FROM kpi_split GROUP BY 1;
