"""Monthly sales report: the kind of pandas script hover is asked about (a benchmark and test
fixture; it is read, never run)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

DATA = Path("data")
REGIONS = ["north", "south", "east", "west"]


def load_sales(path: Path) -> pd.DataFrame:
    """Read the raw sales export and give it proper types."""
    sales = pd.read_csv(path, parse_dates=["date"], dtype={"region": "category"})
    sales = sales.dropna(subset=["price", "quantity"])
    sales["quantity"] = sales["quantity"].astype(int)
    sales["total"] = sales["price"] * sales["quantity"]
    sales = sales[sales["region"].isin(REGIONS)]
    return sales.reset_index(drop=True)


def load_targets(path: Path) -> pd.DataFrame:
    targets = pd.read_json(path)
    targets["month"] = pd.to_datetime(targets["month"]).dt.to_period("M")
    return targets.set_index(["region", "month"])


def monthly_totals(sales: pd.DataFrame) -> pd.DataFrame:
    sales = sales.assign(month=sales["date"].dt.to_period("M"))
    grouped = sales.groupby(["region", "month"], observed=True)
    totals = grouped["total"].sum().to_frame("revenue")
    totals["orders"] = grouped.size()
    totals["average"] = totals["revenue"] / totals["orders"]
    return totals.sort_index()


def against_targets(totals: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    joined = totals.join(targets, how="left")
    joined["target"] = joined["target"].fillna(0)
    joined["gap"] = joined["revenue"] - joined["target"]
    joined["hit"] = np.where(joined["gap"] >= 0, "yes", "no")
    return joined


def growth(totals: pd.DataFrame) -> pd.Series:
    revenue = totals["revenue"].unstack("region")
    change = revenue.pct_change(fill_method=None)
    smoothed = change.rolling(window=3, min_periods=1).mean()
    return smoothed.stack().rename("growth")


def top_products(sales: pd.DataFrame, count: int = 10) -> pd.DataFrame:
    by_product = sales.groupby("product")["total"].agg(["sum", "count", "mean"])
    by_product.columns = ["revenue", "orders", "average"]
    ranked = by_product.sort_values("revenue", ascending=False)
    ranked["share"] = ranked["revenue"] / ranked["revenue"].sum()
    ranked["cumulative"] = ranked["share"].cumsum()
    return ranked.head(count)


def outliers(sales: pd.DataFrame, limit: float = 3.0) -> pd.DataFrame:
    prices = sales["price"].to_numpy()
    centre = np.median(prices)
    spread = np.percentile(prices, 75) - np.percentile(prices, 25)
    scores = np.abs(prices - centre) / max(spread, 1e-9)
    flagged = sales.loc[scores > limit].copy()
    flagged["score"] = np.round(scores[scores > limit], 2)
    return flagged


def weekday_pattern(sales: pd.DataFrame) -> pd.DataFrame:
    days = sales["date"].dt.day_name()
    pivot = pd.pivot_table(sales, values="total", index=days, columns="region", aggfunc="sum")
    pivot = pivot.reindex(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"])
    return pivot.fillna(0).round(2)


def summary(totals: pd.DataFrame) -> dict[str, float | str]:
    revenue = totals["revenue"]
    best = revenue.idxmax()
    worst = revenue.idxmin()
    spread = float(np.std(revenue.to_numpy()))
    quantiles = revenue.quantile([0.25, 0.5, 0.75]).to_dict()
    return {
        "total": float(revenue.sum()),
        "best": str(best),
        "worst": str(worst),
        "spread": spread,
        **{f"q{int(q * 100)}": float(v) for q, v in quantiles.items()},
    }


def write_report(joined: pd.DataFrame, products: pd.DataFrame, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    joined.to_csv(out / "monthly.csv")
    products.to_csv(out / "products.csv", float_format="%.2f")
    with open(out / "summary.json", "w", encoding="utf-8") as handle:
        json.dump(summary(joined), handle, indent=2)
    missed = joined[joined["hit"] == "no"]
    missed.to_html(out / "missed.html")


def main() -> None:
    sales = load_sales(DATA / "sales.csv")
    targets = load_targets(DATA / "targets.json")
    totals = monthly_totals(sales)
    joined = against_targets(totals, targets)
    trend = growth(totals)
    products = top_products(sales)
    odd = outliers(sales)
    pattern = weekday_pattern(sales)
    latest = trend.groupby(level="region").last()
    merged = pd.merge(products.reset_index(), odd, on="product", how="left")
    merged = merged.drop_duplicates(subset="product")
    concatenated = pd.concat([pattern, pattern.sum().to_frame("all").T])
    dates = pd.date_range(sales["date"].min(), sales["date"].max(), freq="D")
    daily = sales.set_index("date")["total"].resample("D").sum().reindex(dates, fill_value=0)
    print(latest.describe())
    print(merged.shape, concatenated.shape, daily.tail())
    print(np.corrcoef(daily.to_numpy()[:-1], daily.to_numpy()[1:])[0, 1])
    write_report(joined, products, DATA / "report")


if __name__ == "__main__":
    main()
