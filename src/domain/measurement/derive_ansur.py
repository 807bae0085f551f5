#!/usr/bin/env python3
"""Derive the ANSUR II summaries committed beside this script.

Usage: python3 derive_ansur.py DIR_WITH_ANSUR_CSVS

Reads ANSUR_II_MALE_Public.csv and ANSUR_II_FEMALE_Public.csv (the public release of
Gordon et al. 2014, "2012 Anthropometric Survey of U.S. Army Personnel", NATICK/TR-15/007;
US Government work, public domain), checks their sha256, and writes:

  ansur_bounds.csv  per-measurement pooled bounds, in the canonical units (mm, g)
  ansur_ratios.csv  distribution of each plausibility statistic, and how many subjects
                    each rule band in plausibility.rs flags
  ansur_sample.csv  the subjects at both extremes of every measurement and statistic,
                    plus a fixed random sample, for the population test

Standard library only, and exact arithmetic (fractions), so the counts agree with the
Rust rules, which compare exactly too.
"""
import csv
import hashlib
import os
import random
import sys
from fractions import Fraction as F

SHA256 = {
    "ANSUR_II_MALE_Public.csv": "2c10580d721799cd7d341733e6aa736b34e29979e75dfbd7aeeb3a757e5e7f4f",
    "ANSUR_II_FEMALE_Public.csv": "ed7e800aa97a4d42f8286b988be2fe1883a2e789588169db959864b707d1757a",
}
# Our measurement code -> the ANSUR II variable used as its proxy (see ansur_bounds.csv header).
PROXY = {
    "stature": "stature",
    "body_mass": "weightkg",
    "head_girth": "headcircumference",
    "neck_girth": "neckcircumference",
    "shoulder_width": "biacromialbreadth",
    "chest_girth": "chestcircumference",
    "waist_girth": "waistcircumference",
    "hip_girth": "buttockcircumference",
    "thigh_girth": "thighcircumference",
    "arm_length": "sleeveoutseam",
    "hand_girth": "handcircumference",
    "inside_leg": "crotchheight",
    "foot_length": "footlength",
}
# Rule code -> (numerator, denominator, low, high); must match plausibility.rs.
RATIO_RULES = {
    "inside_leg_to_stature": ("inside_leg", "stature", F(42, 100), F(55, 100)),
    "waist_to_chest": ("waist_girth", "chest_girth", F(60, 100), F(130, 100)),
    "waist_to_hip": ("waist_girth", "hip_girth", F(60, 100), F(130, 100)),
    "thigh_to_hip": ("thigh_girth", "hip_girth", F(45, 100), F(75, 100)),
    "arm_length_to_stature": ("arm_length", "stature", F(27, 100), F(41, 100)),
    "neck_to_chest": ("neck_girth", "chest_girth", F(26, 100), F(48, 100)),
    "foot_length_to_stature": ("foot_length", "stature", F(12, 100), F(19, 100)),
    "shoulder_width_to_stature": ("shoulder_width", "stature", F(17, 100), F(29, 100)),
}
BMI_BAND = (F(13), F(50))
# Body mass for the hip girth and stature, in kg/m3: must match plausibility.rs.
BUILD_BAND = (F(30), F(62))
HERE = os.path.dirname(os.path.abspath(__file__))
PROVENANCE = (
    "# Derived from the ANSUR II public data (Gordon et al. 2014, NATICK/TR-15/007; US Army 2012;"
    " public domain): ANSUR_II_MALE_Public.csv (4082 rows, sha256 2c10580d...5e7f4f) and"
    " ANSUR_II_FEMALE_Public.csv (1986 rows, sha256 ed7e800a...1757a) by derive_ansur.py.\n"
    "# Lengths in mm; body_mass in g (ANSUR weightkg is in 0.1 kg). ANSUR proxies: inside_leg = crotchheight,"
    " arm_length = sleeveoutseam (arm straight), shoulder_width = biacromialbreadth,"
    " hip_girth = buttockcircumference, waist_girth = waistcircumference (taken at the navel, not the ISO natural waist).\n"
)


def load(directory):
    rows = []
    for sex, name in (("M", "ANSUR_II_MALE_Public.csv"), ("F", "ANSUR_II_FEMALE_Public.csv")):
        path = os.path.join(directory, name)
        with open(path, "rb") as fh:
            digest = hashlib.sha256(fh.read()).hexdigest()
        if digest != SHA256[name]:
            sys.exit(f"{name}: sha256 {digest} is not the published file")
        with open(path, encoding="latin-1", newline="") as fh:
            for raw in csv.DictReader(fh):
                row = {code: int(raw[var]) for code, var in PROXY.items()}
                row["body_mass"] *= 100
                row["sex"] = sex
                row["id"] = int(raw.get("subjectid") or raw["SubjectId"])
                rows.append(row)
    return rows


def nearest_rank(sorted_values, p):
    """Nearest-rank percentile: the smallest value with at least p of the data at or below it."""
    rank = max(1, -(-int(p * 1000) * len(sorted_values) // 100000))
    return sorted_values[rank - 1]


def statistics():
    stats = {code: (lambda r, a=a, b=b: F(r[a], r[b])) for code, (a, b, _, _) in RATIO_RULES.items()}
    stats["body_mass_index"] = lambda r: F(r["body_mass"] * 1000, r["stature"] ** 2)
    stats["body_mass_for_hip_and_stature"] = lambda r: F(r["body_mass"] * 10**6, r["hip_girth"] ** 2 * r["stature"])
    return stats


def write_bounds(rows):
    with open(os.path.join(HERE, "ansur_bounds.csv"), "w", newline="") as fh:
        fh.write(PROVENANCE)
        fh.write("# Percentiles are nearest-rank over both sexes pooled (n = 6068).\n")
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["code", "ansur_variable", "unit", "n", "min", "p0_1", "p50", "p99_9", "max",
                    "male_min", "male_max", "female_min", "female_max"])
        for code, var in PROXY.items():
            vals = sorted(r[code] for r in rows)
            male = [r[code] for r in rows if r["sex"] == "M"]
            female = [r[code] for r in rows if r["sex"] == "F"]
            w.writerow([code, var, "g" if code == "body_mass" else "mm", len(vals), vals[0],
                        nearest_rank(vals, 0.1), nearest_rank(vals, 50), nearest_rank(vals, 99.9), vals[-1],
                        min(male), max(male), min(female), max(female)])


def band(code):
    if code == "body_mass_index":
        return BMI_BAND
    if code == "body_mass_for_hip_and_stature":
        return BUILD_BAND
    return RATIO_RULES[code][2:]


def flagged(rows, code, fn):
    low, high = band(code)
    return [r for r in rows if not (low <= fn(r) <= high)]


def write_ratios(rows):
    with open(os.path.join(HERE, "ansur_ratios.csv"), "w", newline="") as fh:
        fh.write(PROVENANCE)
        fh.write("# Ratios (body_mass_index in kg/m2, body_mass_for_hip_and_stature in kg/m3) rounded to 4 decimals; nearest-rank percentiles, both sexes pooled."
                 " flagged_* = subjects outside the warning band [low, high] of plausibility.rs, exact arithmetic.\n")
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["rule", "min", "p0_1", "p1", "p50", "p99", "p99_9", "max", "low", "high",
                    "flagged_male", "flagged_female"])
        for code, fn in statistics().items():
            vals = sorted(fn(r) for r in rows)
            low, high = band(code)
            out = flagged(rows, code, fn)
            fmt = lambda x: f"{float(x):.4f}"
            w.writerow([code] + [fmt(v) for v in (vals[0], nearest_rank(vals, 0.1), nearest_rank(vals, 1),
                        nearest_rank(vals, 50), nearest_rank(vals, 99), nearest_rank(vals, 99.9), vals[-1])]
                       + [fmt(low), fmt(high), sum(r["sex"] == "M" for r in out), sum(r["sex"] == "F" for r in out)])


def write_sample(rows):
    keys = {(r["sex"], r["id"]) for r in extremes(rows)}
    rng = random.Random(85591)
    keys |= {(r["sex"], r["id"]) for r in rng.sample(rows, 40)}
    chosen = sorted((r for r in rows if (r["sex"], r["id"]) in keys), key=lambda r: (r["sex"], r["id"]))
    with open(os.path.join(HERE, "ansur_sample.csv"), "w", newline="") as fh:
        fh.write(PROVENANCE)
        fh.write("# Rows: for every measurement and every plausibility statistic, the two subjects at each end of"
                 " its distribution (so a band that admits these admits all 6068), plus 40 chosen at random (seed 85591).\n")
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["sex", "subject_id"] + list(PROXY))
        for r in chosen:
            w.writerow([r["sex"], r["id"]] + [r[c] for c in PROXY])
    return len(chosen)


def extremes(rows):
    picks = []
    getters = {code: (lambda r, c=code: r[c]) for code in PROXY}
    getters.update(statistics())
    for fn in getters.values():
        ordered = sorted(rows, key=lambda r: (fn(r), r["sex"], r["id"]))
        picks += ordered[:2] + ordered[-2:]
    return picks


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    rows = load(sys.argv[1])
    write_bounds(rows)
    write_ratios(rows)
    n = write_sample(rows)
    print(f"{len(rows)} subjects; sample of {n}")
    for code, fn in statistics().items():
        out = flagged(rows, code, fn)
        print(f"{code:28} flags {sum(r['sex'] == 'M' for r in out)} M, {sum(r['sex'] == 'F' for r in out)} F")


if __name__ == "__main__":
    main()
