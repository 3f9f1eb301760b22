#!/usr/bin/python3
"""The pandas peer: what the seed notebooks do (pandas + scikit-learn), with campaign-pulse's
metric definitions (README "Metrics", sql/kpis/*.sql, src/pipeline/kpis/holdout.ts), on the
files `pulse generate` writes. The bench runs it on the same files as the pipeline and checks
that both give the same numbers, so that their times compare equal work.

    /usr/bin/python3 bench/peer/peer.py DATA_DIR [--out FILE] [--baseline 300] [--min-holdout-users 30] [--seed 42]

Prints one JSON object on stdout: totals, loss-makers, roll-ups, clusters, the phases' seconds,
and per creator {id: {roas, iroas_holdout}}. With --out the whole object goes to FILE and stdout
gets it without the per-creator part (for large sets). NaN (a division by zero) is null.

Definitions, as the project implements them:
- Orders are stored once per distinct row (same values in every column: sql/load/orders-repeats.sql).
- Influencers, payouts: the last row of an id wins (sql/load/influencers.sql, payouts.sql); posts
  are distinct by (influencer, platform, date, url, caption) (sql/load/posts.sql).
- Per creator: orders and revenue summed over all of its rows (both groups and rows without a
  group), payout = total_payout (0 without one); ROAS = revenue / payout, baseline incremental
  ROAS = (revenue - orders x baseline) / payout, cost per order = payout / orders, engagement =
  (likes + comments) / reach over all posts.
- Holdout per creator (core.holdout_stats from sql/fold/rebuild.sql): rows with a group and a
  user; a user is a distinct user id per creator and group, with that user's revenue summed;
  rpu = group revenue / group users; incremental revenue = (rpu_exposed - rpu_control) x exposed
  users; iROAS = incremental revenue / payout; 95% Welch interval over the users' revenues.
  Status: no_control (a group has no users), underpowered (fewer than 30 in a group), ok.
- Portfolio holdout (core.group_stats): a user is a distinct user id per group over every creator.
- iROAS used for decisions: holdout when ok, baseline when no_control, none when underpowered.
  Loss-maker (sql/kpis/3_influencer_kpis.sql): ROAS < 1, or iROAS < 0 where it is the baseline
  or the whole holdout interval lies below zero.
- Segments (src/pipeline/clusters): creators with a ROAS; ROAS, iROAS, engagement rate, cost per
  order, each median-filled, log1p-ed when non-negative with skewness > 2, clipped at its 1st and
  99th percentile, standardised; KMeans k = 2..8, n_init 10, best silhouette on a 10,000-point sample.
"""

import time

T0 = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy import stats  # noqa: E402
from sklearn.cluster import KMeans  # noqa: E402
from sklearn.metrics import silhouette_score  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

timings = {"imports": time.perf_counter() - T0}
_mark = time.perf_counter()


def phase(name):
    global _mark
    now = time.perf_counter()
    timings[name] = now - _mark
    _mark = now


def num(x):
    """A JSON-safe float: None for NaN, infinities and missing values."""
    if x is None or x is pd.NA:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def args_():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("data_dir")
    p.add_argument("--out", help="write the whole result here; stdout gets it without the per-creator part")
    p.add_argument("--baseline", type=float, default=300.0, help="BASELINE_REVENUE_PER_ORDER")
    p.add_argument("--min-holdout-users", type=int, default=30, help="MIN_HOLDOUT_USERS")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--silhouette-sample", type=int, default=10_000)
    return p.parse_args()


def main():
    a = args_()
    d = a.data_dir

    # -- read ---------------------------------------------------------------------------------
    influencers = pd.read_csv(os.path.join(d, "influencers.csv"), dtype={"id": str})
    posts = pd.read_csv(os.path.join(d, "posts.csv"), dtype={"influencer_id": str})
    payouts = pd.read_csv(os.path.join(d, "payouts.csv"), dtype={"influencer_id": str})
    orders = pd.read_csv(
        os.path.join(d, "orders.csv"),
        dtype={
            "source": str,
            "campaign": str,
            "influencer_id": str,
            "user_id": str,
            "product": str,
            "date": str,
            "orders": "int64",
            "revenue": "float64",
            "group": "float64",
        },
    )
    # exports without a holdout (no group column, like the HealthKart one) or without user ids
    for missing in ("group", "user_id"):
        if missing not in orders.columns:
            orders[missing] = np.nan
    phase("read")

    # -- clean: repeats and last-row-wins, as the loads store them -------------------------------
    influencers = influencers.drop_duplicates("id", keep="last").rename(columns={"id": "influencer_id"})
    payouts = payouts.drop_duplicates("influencer_id", keep="last")
    posts = posts.drop_duplicates(["influencer_id", "platform", "date", "url", "caption"])
    orders = orders.drop_duplicates()
    phase("clean")

    # -- per-creator KPIs --------------------------------------------------------------------------
    by = orders.groupby("influencer_id", sort=False)[["orders", "revenue"]].sum()
    eng = posts.groupby("influencer_id", sort=False)[["reach", "likes", "comments"]].sum()
    c = influencers.set_index("influencer_id")[["platform", "category", "gender"]]
    c = c.join(by).join(eng).join(payouts.set_index("influencer_id")[["total_payout"]])
    c[["orders", "revenue", "reach", "likes", "comments"]] = c[["orders", "revenue", "reach", "likes", "comments"]].fillna(0)
    c["payout"] = c["total_payout"].fillna(0.0)
    pay = c["payout"].where(c["payout"] != 0)
    c["roas"] = c["revenue"] / pay
    c["iroas_baseline"] = (c["revenue"] - c["orders"] * a.baseline) / pay
    c["cost_per_order"] = c["payout"] / c["orders"].where(c["orders"] != 0)
    c["engagement_rate"] = (c["likes"] + c["comments"]) / c["reach"].where(c["reach"] != 0)
    phase("kpis")

    # -- holdout: users are the unit ---------------------------------------------------------------
    h = orders.loc[orders["group"].notna() & orders["user_id"].notna(), ["influencer_id", "group", "user_id", "revenue"]]
    per_user = h.groupby(["influencer_id", "group", "user_id"], sort=False)["revenue"].sum()
    g = per_user.groupby(level=["influencer_id", "group"], sort=False).agg(["count", "sum", "var"])
    g = g.unstack("group")
    col = lambda stat, grp: g[(stat, float(grp))] if (stat, float(grp)) in g.columns else pd.Series(np.nan, index=g.index)  # noqa: E731
    hs = pd.DataFrame(
        {
            "control_users": col("count", 0).fillna(0),
            "exposed_users": col("count", 1).fillna(0),
            "control_revenue": col("sum", 0),
            "exposed_revenue": col("sum", 1),
            "control_var": col("var", 0),
            "exposed_var": col("var", 1),
        }
    )
    c = c.join(hs)
    c[["control_users", "exposed_users"]] = c[["control_users", "exposed_users"]].fillna(0)
    welch = holdout(
        c["control_users"], c["exposed_users"], c["control_revenue"], c["exposed_revenue"], c["control_var"], c["exposed_var"], c["payout"]
    )
    for k, v in welch.items():
        c[k] = v
    c["holdout_status"] = np.where(
        (c["control_users"] == 0) | (c["exposed_users"] == 0),
        "no_control",
        np.where((c["control_users"] < a.min_holdout_users) | (c["exposed_users"] < a.min_holdout_users), "underpowered", "ok"),
    )
    c["iroas"] = np.where(c["holdout_status"] == "ok", c["iroas_holdout"], np.where(c["holdout_status"] == "no_control", c["iroas_baseline"], np.nan))
    baseline_method = c["holdout_status"] == "no_control"
    # the project's rule: ROAS below 1; or the holdout (ok or underpowered, with a standard error)
    # gives P(iROAS < 0) at least LOSS_PROBABILITY_LEVEL; or, without a control group, baseline iROAS < 0
    c["is_loss_maker"] = (c["roas"] < 1) | (c["p_negative"] >= LOSS_PROBABILITY_LEVEL) | (baseline_method & (c["iroas"] < 0))

    # the portfolio: a user is one user per group over every creator
    pu = h.groupby(["group", "user_id"], sort=False)["revenue"].sum()
    pg = pu.groupby(level="group").agg(["count", "sum", "var"])
    pget = lambda stat, grp: pg.at[float(grp), stat] if float(grp) in pg.index else np.nan  # noqa: E731
    total_payout = float(payouts["total_payout"].sum())
    nc, ne = pget("count", 0), pget("count", 1)
    pw = holdout(
        pd.Series([0 if pd.isna(nc) else nc]),
        pd.Series([0 if pd.isna(ne) else ne]),
        pd.Series([pget("sum", 0)]),
        pd.Series([pget("sum", 1)]),
        pd.Series([pget("var", 0)]),
        pd.Series([pget("var", 1)]),
        pd.Series([total_payout]),
    )
    phase("holdout")

    # -- roll-ups ------------------------------------------------------------------------------------
    c["loss"] = (c["payout"] - c["revenue"]).clip(lower=0).where(c["is_loss_maker"], 0.0)

    def rollup(keys):
        r = c.fillna({k: "Unknown" for k in keys}).groupby(keys, sort=True).agg(
            influencers=("payout", "size"),
            orders=("orders", "sum"),
            revenue=("revenue", "sum"),
            payout=("payout", "sum"),
            loss_makers=("is_loss_maker", "sum"),
            loss=("loss", "sum"),
            reach=("reach", "sum"),
            likes=("likes", "sum"),
            comments=("comments", "sum"),
        )
        p = r["payout"].where(r["payout"] != 0)
        r["roas"] = r["revenue"] / p
        r["iroas_baseline"] = (r["revenue"] - r["orders"] * a.baseline) / p
        r["engagement_rate"] = (r["likes"] + r["comments"]) / r["reach"].where(r["reach"] != 0)
        return [
            {
                **{k: (v if isinstance(v, str) else str(v)) for k, v in zip(keys, (idx if isinstance(idx, tuple) else (idx,)))},
                "influencers": int(row["influencers"]),
                "orders": int(row["orders"]),
                "revenue": num(row["revenue"]),
                "payout": num(row["payout"]),
                "roas": num(row["roas"]),
                "iroas_baseline": num(row["iroas_baseline"]),
                "loss_makers": int(row["loss_makers"]),
                "loss": num(row["loss"]),
                "engagement_rate": num(row["engagement_rate"]),
            }
            for idx, row in r.iterrows()
        ]

    rollups = {"platform": rollup(["platform"]), "persona": rollup(["category", "gender"])}
    phase("rollups")

    # -- segments ------------------------------------------------------------------------------------
    clusters = segments(c[c["roas"].notna()], a.seed, a.silhouette_sample)
    phase("clusters")

    # -- result ----------------------------------------------------------------------------------------
    revenue = float(c["revenue"].sum())
    payout = float(c["payout"].sum())
    n_orders = int(c["orders"].sum())
    result = {
        "data_dir": d,
        "rows": {"orders": int(len(orders.index)), "holdout_rows": int(len(h.index))},
        "totals": {
            "influencers": int(len(c.index)),
            "orders": n_orders,
            "revenue": revenue,
            "payout": payout,
            "roas": num(revenue / payout) if payout else None,
            "iroas_baseline": num((revenue - n_orders * a.baseline) / payout) if payout else None,
            "control_users": int(pw["control_users"].iloc[0]),
            "exposed_users": int(pw["exposed_users"].iloc[0]),
            "iroas_holdout": num(pw["iroas_holdout"].iloc[0]),
            "loss_makers": int(c["is_loss_maker"].sum()),
        },
        "rollups": rollups,
        "clusters": clusters,
    }
    result["creators"] = {
        str(i): {"roas": num(r), "iroas_holdout": num(x)} for i, r, x in zip(c.index, c["roas"].to_numpy(), c["iroas_holdout"].to_numpy())
    }
    phase("result")
    timings["total_in_process"] = time.perf_counter() - T0
    result["timings"] = timings
    result["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if a.out:
        with open(a.out, "w") as f:
            json.dump(result, f)
        del result["creators"]
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


# src/pipeline/kpis/holdout.ts LOSS_PROBABILITY_LEVEL
LOSS_PROBABILITY_LEVEL = 0.75


def holdout(nc, ne, rc, re_, vc, ve, payout):
    """Vectorised src/pipeline/kpis/holdout.ts: rpu per group, incremental revenue, iROAS and the Welch interval."""
    nc = nc.astype(float)
    ne = ne.astype(float)
    both = (nc > 0) & (ne > 0)
    mc = (rc / nc).where(both)
    me = (re_ / ne).where(both)
    inc = (me - mc) * ne
    pay = payout.where(payout > 0)
    iroas = inc / pay
    vc = vc.fillna(0)
    ve = ve.fillna(0)
    se2 = (vc / nc + ve / ne).where(both & (nc >= 2) & (ne >= 2))
    se2 = se2.where(se2 > 0)
    se = np.sqrt(se2)
    dof = se2 * se2 / ((vc / nc) ** 2 / (nc - 1) + (ve / ne) ** 2 / (ne - 1))
    t = pd.Series(stats.t.ppf(0.975, dof.to_numpy()), index=dof.index)
    p = pd.Series(2 * stats.t.sf(np.abs((me - mc) / se).to_numpy(), dof.to_numpy()), index=dof.index)
    return {
        "rpu_control": mc,
        "rpu_exposed": me,
        "incremental_revenue": inc,
        "iroas_holdout": iroas,
        "iroas_low": (me - mc - t * se) * ne / pay,
        "iroas_high": (me - mc + t * se) * ne / pay,
        "iroas_p": p,
        # one-sided P(iROAS < 0) = P(T > estimate / se), from the upper tail
        "p_negative": pd.Series(stats.t.sf(((me - mc) / se).to_numpy(), dof.to_numpy()), index=dof.index),
        "control_users": nc,
        "exposed_users": ne,
    }


def segments(c, seed, sample):
    features = ["roas", "iroas", "engagement_rate", "cost_per_order"]
    n = len(c.index)
    if n < 3:
        return {"skipped": f"only {n} rows"}
    cols = []
    used = []
    for f in features:
        x = c[f].astype(float)
        present = x[np.isfinite(x)]
        if present.empty:
            continue
        x = x.where(np.isfinite(x), present.median())
        if (present >= 0).all() and stats.skew(present.to_numpy()) > 2:
            x = np.log1p(x)
        lo, hi = np.quantile(x[np.isfinite(c[f].astype(float))], [0.01, 0.99])
        x = x.clip(lo, hi)
        if x.std() > 1e-12:
            cols.append(x.to_numpy())
            used.append(f)
    if not cols:
        return {"skipped": "no feature varies"}
    X = StandardScaler().fit_transform(np.column_stack(cols))
    candidates = []
    best = None
    for k in range(2, min(8, n - 1) + 1):
        labels = KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(X)
        s = float(silhouette_score(X, labels, sample_size=min(sample, n), random_state=seed))
        candidates.append({"k": k, "silhouette": s})
        if best is None or s > best[1]:
            best = (k, s, labels)
    sizes = sorted(np.bincount(best[2]).tolist(), reverse=True)
    return {"features": used, "rows": n, "k": best[0], "silhouette": best[1], "sizes": sizes, "candidates": candidates}


if __name__ == "__main__":
    main()
