"""lifetimes' side of the whole-process predict benchmark (benches/README.md): read a summary
CSV and a fitted BG/NBD's parameters, compute P(alive) and expected purchases over a horizon
per customer, and write them as CSV (what `btyd predict` does).

usage: python predict.py SUMMARY.csv R ALPHA A B HORIZON OUT.csv
"""
import sys

import pandas as pd
from lifetimes import BetaGeoFitter

path, r, alpha, a, b, horizon, out = sys.argv[1:8]
df = pd.read_csv(path)
m = BetaGeoFitter()
m.params_ = pd.Series({"r": float(r), "alpha": float(alpha), "a": float(a), "b": float(b)})
x, t_x, t = df["frequency"], df["recency"], df["T"]
df["p_alive"] = m.conditional_probability_alive(x, t_x, t)
df["expected_purchases"] = m.conditional_expected_number_of_purchases_up_to_time(
    float(horizon), x, t_x, t
)
df.to_csv(out, index=False)
