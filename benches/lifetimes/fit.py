"""lifetimes' side of the whole-process fit benchmark (benches/README.md): read a summary CSV
with pandas and fit BetaGeoFitter (BG/NBD) or GammaGammaFitter, as a lifetimes user would.

usage: python fit.py SUMMARY.csv [bg-nbd|gamma-gamma]
"""
import sys

import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter

path = sys.argv[1]
model = sys.argv[2] if len(sys.argv) > 2 else "bg-nbd"
df = pd.read_csv(path)
if model == "bg-nbd":
    m = BetaGeoFitter()
    m.fit(df["frequency"], df["recency"], df["T"])
elif model == "gamma-gamma":
    repeat = df[df["frequency"] > 0]
    m = GammaGammaFitter()
    m.fit(repeat["frequency"], repeat["monetary_value"])
else:
    sys.exit(f"unknown model {model}")
print(m.params_.to_dict())
