#!/usr/bin/env python3
"""Write population.csv: every ANSUR II subject in Atelier's canonical units.

Usage: python3 make_population.py DIR_WITH_ANSUR_CSVS [OUTPUT]

Reads ANSUR_II_FEMALE_Public.csv and ANSUR_II_MALE_Public.csv (the public release of
Gordon et al. 2014, "2012 Anthropometric Survey of U.S. Army Personnel", NATICK/TR-15/007;
US Government work, public domain), refuses them unless their sha256 matches the release,
and writes one row per subject (women first, then men, each in file order) to OUTPUT
(default: population.csv beside this script). Standard library only.

The catalog coverage report (src/domain/catalog/coverage.rs) reads the output.
"""
import csv
import hashlib
import os
import sys

SHA256 = {
    "ANSUR_II_FEMALE_Public.csv": "ed7e800aa97a4d42f8286b988be2fe1883a2e789588169db959864b707d1757a",
    "ANSUR_II_MALE_Public.csv": "2c10580d721799cd7d341733e6aa736b34e29979e75dfbd7aeeb3a757e5e7f4f",
}
SEX = {"ANSUR_II_FEMALE_Public.csv": "F", "ANSUR_II_MALE_Public.csv": "M"}
ROWS = {"ANSUR_II_FEMALE_Public.csv": 1986, "ANSUR_II_MALE_Public.csv": 4082}

# Our measurement code -> (ANSUR II variable, factor to canonical mm or g). The same proxies
# as src/domain/measurement/derive_ansur.py, so the coverage report and the measurement
# checks see the same bodies.
COLUMNS = [
    ("stature", "stature", 1),
    ("chest_girth", "chestcircumference", 1),
    # ANSUR takes the waist at the navel, not at the ISO 8559-1 natural waist.
    ("waist_girth", "waistcircumference", 1),
    ("hip_girth", "buttockcircumference", 1),
    # Standing floor-to-crotch: the EN/ISO inside leg. A bike-fit "book" inseam reads higher.
    ("inside_leg", "crotchheight", 1),
    # Acromion down the outside of the straight arm to the wrist: what the sleeve patterns use.
    ("arm_length", "sleeveoutseam", 1),
    # Acromion to acromion: the width the handlebar rule compares with.
    ("shoulder_width", "biacromialbreadth", 1),
    ("neck_girth", "neckcircumference", 1),
    ("thigh_girth", "thighcircumference", 1),
    # ANSUR weightkg is in 0.1 kg: 815 means 81.5 kg = 81500 g.
    ("body_mass", "weightkg", 100),
    ("foot_length", "footlength", 1),
]


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def rows(directory, name):
    path = os.path.join(directory, name)
    if not os.path.isfile(path):
        sys.exit(f"{name}: not found in {directory}")
    digest = sha256(path)
    if digest != SHA256[name]:
        sys.exit(f"{name}: sha256 {digest} is not the public release's {SHA256[name]}")
    # latin-1: the files are not guaranteed to be UTF-8 in their free-text columns.
    with open(path, newline="", encoding="latin-1") as f:
        data = list(csv.DictReader(f))
    if len(data) != ROWS[name]:
        sys.exit(f"{name}: {len(data)} rows, the release has {ROWS[name]}")
    for i, row in enumerate(data, start=2):
        out = [SEX[name]]
        for code, column, factor in COLUMNS:
            value = int(row[column]) * factor
            if value <= 0:
                sys.exit(f"{name} line {i}: {column} = {row[column]!r} is not a measurement")
            out.append(value)
        yield out


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    here = os.path.dirname(os.path.abspath(__file__))
    target = sys.argv[2] if len(sys.argv) == 3 else os.path.join(here, "population.csv")
    # Read and check everything before opening the output, so a bad input never leaves a
    # truncated file behind.
    out = [row for name in ("ANSUR_II_FEMALE_Public.csv", "ANSUR_II_MALE_Public.csv") for row in rows(sys.argv[1], name)]
    with open(target, "w", newline="", encoding="ascii") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["sex"] + [code for code, _, _ in COLUMNS])
        w.writerows(out)


if __name__ == "__main__":
    main()
