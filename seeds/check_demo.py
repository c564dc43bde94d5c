#!/usr/bin/env python3
"""Validate seeds/demo.json (the Peitao demo world) against the reference CSVs.

Usage:
    python3 seeds/check_demo.py [path/to/demo.json] [--matches]

Reference CSVs (categories.csv, regions.csv, zones.csv, certifications.csv) are read
from the directory of this script when present there, otherwise from
/work/shared/data/. Prints a short summary and exits 1 if any problem is found.
With --matches, also prints for every need the candidate suppliers (published
capabilities in the same category, its parent or a sibling), whether they sit in
the plant's zone and whether they hold the required certifications.
"""
import csv
import datetime as dt
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FALLBACK_DATA = "/work/shared/data"
TODAY = dt.date.today()

# GB 32100-2015 unified social credit code
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]

# Same rules as the domain crate: dot-atom local part, LDH domain labels, alphabetic TLD.
EMAIL_RE = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
                      r"@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
PHONE_RE = re.compile(r"^\+86 \d{2,3} \d{3,4} \d{4}$")
PRICE_RE = re.compile(r"^\d+(\.\d{1,2})?$")
CJK_RE = re.compile(r"[\u4e00-\u9fff]")

LOCALES = {"zh-CN", "en"}
FREQUENCIES = {"instant", "daily", "off"}
KINDS = {"supplier", "oem"}
SIZES = {"small", "medium", "large"}
CAP_STATUSES = {"published", "draft"}
NEED_STATUSES = {"open"}

TOP_KEYS = {"password", "logins", "staff", "organizations", "capabilities", "needs"}
LOGIN_KEYS = {"supplier", "oem", "staff"}
STAFF_REQ = {"email", "display_name", "locale"}
STAFF_OPT = {"email_frequency"}
ORG_REQ = {"key", "kind", "name", "credit_code", "region_code", "verified", "users"}
ORG_OPT = {"name_en", "address", "contact_email", "contact_phone", "website", "description",
           "description_en", "size", "founded_year", "certifications", "plants"}
CERT_REQ = {"code", "expires_on"}
CERT_OPT = {"certificate_no"}
PLANT_REQ = {"key", "name", "region_code"}
PLANT_OPT = {"name_en"}
USER_REQ = {"email", "display_name", "locale"}
USER_OPT = {"email_frequency"}
CAP_REQ = {"organization", "category_code", "title", "description", "status"}
CAP_OPT = {"products", "processes", "annual_capacity", "unit", "min_order_qty",
           "lead_time_days", "served_region_codes"}
NEED_REQ = {"organization", "plant", "category_code", "title", "description", "status",
            "sop_in_days", "respond_by_in_days"}
NEED_OPT = {"annual_volume", "unit", "required_certifications", "target_price"}


class Checker:
    def __init__(self):
        self.errors = []

    def err(self, where, msg):
        self.errors.append(f"{where}: {msg}")


def data_path(name):
    local = os.path.join(HERE, name)
    return local if os.path.isfile(local) else os.path.join(FALLBACK_DATA, name)


def read_csv(name):
    path = data_path(name)
    with open(path, encoding="utf-8", newline="") as f:
        return path, list(csv.DictReader(f))


def uscc_problem(code):
    """Return None if `code` is a valid unified social credit code, else a reason."""
    if not isinstance(code, str) or len(code) != 18:
        return "must be an 18-character string"
    bad = sorted({c for c in code if c not in USCC_ALPHABET})
    if bad:
        return f"characters not in the GB 32100 alphabet: {''.join(bad)}"
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(code[:17], USCC_WEIGHTS))
    c = 31 - total % 31
    expected = "0" if c == 31 else USCC_ALPHABET[c]
    if code[17] != expected:
        return f"check character is {code[17]!r}, expected {expected!r}"
    return None


def parse_date(s):
    try:
        return dt.date.fromisoformat(s) if isinstance(s, str) and len(s) == 10 else None
    except ValueError:
        return None


def is_nonempty_str(v):
    return isinstance(v, str) and v.strip() != ""


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def check_keys(ck, where, obj, required, optional):
    if not isinstance(obj, dict):
        ck.err(where, "must be an object")
        return False
    missing = required - obj.keys()
    unknown = obj.keys() - required - optional
    if missing:
        ck.err(where, f"missing keys {sorted(missing)}")
    if unknown:
        ck.err(where, f"unknown keys {sorted(unknown)}")
    for k in required & obj.keys():
        if obj[k] is None:
            ck.err(where, f"required key {k!r} is null")
    return not missing


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    show_matches = "--matches" in argv[1:]
    demo_path = args[0] if args else os.path.join(HERE, "demo.json")
    ck = Checker()

    # ---------------------------------------------------------------- reference data
    cat_path, cat_rows = read_csv("categories.csv")
    reg_path, reg_rows = read_csv("regions.csv")
    zone_path, zone_rows = read_csv("zones.csv")
    cert_path, cert_rows = read_csv("certifications.csv")
    categories = {r["code"]: r for r in cat_rows}
    regions = {r["code"]: r for r in reg_rows}
    cert_codes = {r["code"] for r in cert_rows}
    zones = {r["zone"]: set(r["member_adcodes"].split()) for r in zone_rows}

    def ancestors(code):
        out = []
        while code and code in regions:
            out.append(code)
            code = regions[code]["parent"]
        return out

    def zone_of(region_code):
        chain = set(ancestors(region_code))
        for z, members in zones.items():
            if chain & members:
                return z
        return None

    # ---------------------------------------------------------------- load
    try:
        with open(demo_path, encoding="utf-8") as f:
            demo = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        print(f"FAIL: cannot read {demo_path}: {e}")
        return 1
    if not isinstance(demo, dict):
        print(f"FAIL: {demo_path} must hold a JSON object")
        return 1
    check_keys(ck, "top level", demo, TOP_KEYS, set())
    for k in ("staff", "organizations", "capabilities", "needs"):
        if not isinstance(demo.get(k), list):
            ck.err("top level", f"{k!r} must be a list")
            demo[k] = []
    if not is_nonempty_str(demo.get("password")):
        ck.err("password", "must be a non-empty string")

    emails = {}  # email (lower-case) -> where

    def check_email(where, email, unique=True):
        if not isinstance(email, str) or not EMAIL_RE.match(email):
            ck.err(where, f"malformed email {email!r}")
            return
        low = email.lower()
        if unique:
            if low in emails:
                ck.err(where, f"email {email} already used at {emails[low]}")
            else:
                emails[low] = where

    def check_region(where, code, levels):
        if code not in regions:
            ck.err(where, f"unknown region code {code!r}")
        elif regions[code]["level"] not in levels:
            ck.err(where, f"region {code} ({regions[code]['name']}) is a {regions[code]['level']}, "
                          f"expected {'/'.join(sorted(levels))}")

    # ---------------------------------------------------------------- staff
    staff_emails = set()
    for i, s in enumerate(demo["staff"]):
        where = f"staff[{i}]"
        check_keys(ck, where, s, STAFF_REQ, STAFF_OPT)
        if not isinstance(s, dict):
            continue
        check_email(where, s.get("email"))
        if isinstance(s.get("email"), str):
            staff_emails.add(s["email"].lower())
        if not is_nonempty_str(s.get("display_name")):
            ck.err(where, "display_name must be a non-empty string")
        if s.get("locale") not in LOCALES:
            ck.err(where, f"locale {s.get('locale')!r} not in {sorted(LOCALES)}")
        if s.get("email_frequency") is not None and s["email_frequency"] not in FREQUENCIES:
            ck.err(where, f"email_frequency {s['email_frequency']!r} not in {sorted(FREQUENCIES)}")

    # ---------------------------------------------------------------- organizations
    orgs = {}
    plants = {}            # plant key -> (org key, plant)
    credit_codes = {}
    user_kind = {}         # email -> org kind
    expired_certs = []
    for i, o in enumerate(demo["organizations"]):
        where = f"organizations[{i}]"
        if not check_keys(ck, where, o, ORG_REQ, ORG_OPT) and not isinstance(o, dict):
            continue
        key = o.get("key")
        if isinstance(key, str):
            where = f"organization {key}"
        if not isinstance(key, str) or not KEY_RE.match(key):
            ck.err(where, f"key {key!r} must be short lower-case ASCII (a-z, 0-9, -)")
        elif key in orgs:
            ck.err(where, "duplicate organization key")
        else:
            orgs[key] = o
        kind = o.get("kind")
        if kind not in KINDS:
            ck.err(where, f"kind {kind!r} not in {sorted(KINDS)}")
        if not is_nonempty_str(o.get("name")):
            ck.err(where, "name must be a non-empty string")
        for k in ("name_en", "address", "description", "description_en"):
            if o.get(k) is not None and not is_nonempty_str(o[k]):
                ck.err(where, f"{k} must be a non-empty string or null")
        if not isinstance(o.get("verified"), bool):
            ck.err(where, "verified must be true or false")

        region = o.get("region_code")
        check_region(where, region, {"district"})

        code = o.get("credit_code")
        problem = uscc_problem(code)
        if problem:
            ck.err(where, f"credit_code {code!r}: {problem}")
        else:
            if code in credit_codes:
                ck.err(where, f"credit_code {code} already used by {credit_codes[code]}")
            credit_codes[code] = key
            if kind in KINDS and not code.startswith("91"):
                ck.err(where, f"credit_code {code} should start with 91 (enterprise)")
            if isinstance(region, str) and code[2:8] != region:
                ck.err(where, f"credit_code {code} region part {code[2:8]} != region_code {region}")

        if o.get("contact_email") is not None:
            check_email(where + " contact_email", o["contact_email"])
        if o.get("contact_phone") is not None and not (
                isinstance(o["contact_phone"], str) and PHONE_RE.match(o["contact_phone"])):
            ck.err(where, f"contact_phone {o['contact_phone']!r} should look like '+86 23 6xxx xxxx'")
        if o.get("website") is not None and not (
                isinstance(o["website"], str) and re.match(r"^https://[A-Za-z0-9.-]+(/\S*)?$", o["website"])):
            ck.err(where, f"website {o['website']!r} must be an https:// URL")
        if o.get("size") is not None and o["size"] not in SIZES:
            ck.err(where, f"size {o['size']!r} not in {sorted(SIZES)}")
        fy = o.get("founded_year")
        if fy is not None and not (is_int(fy) and 1900 <= fy <= TODAY.year):
            ck.err(where, f"founded_year {fy!r} must be a year between 1900 and {TODAY.year}")

        certs = o.get("certifications") or []
        if not isinstance(certs, list):
            ck.err(where, "certifications must be a list")
            certs = []
        seen_cert = set()
        for j, c in enumerate(certs):
            cw = f"{where} certifications[{j}]"
            check_keys(ck, cw, c, CERT_REQ, CERT_OPT)
            if not isinstance(c, dict):
                continue
            if c.get("code") not in cert_codes:
                ck.err(cw, f"unknown certification code {c.get('code')!r}")
            if c.get("code") in seen_cert:
                ck.err(cw, f"certification {c.get('code')} listed twice")
            seen_cert.add(c.get("code"))
            if c.get("certificate_no") is not None and not is_nonempty_str(c["certificate_no"]):
                ck.err(cw, "certificate_no must be a non-empty string or null")
            d = parse_date(c.get("expires_on"))
            if d is None:
                ck.err(cw, f"expires_on {c.get('expires_on')!r} is not a YYYY-MM-DD date")
            elif d < TODAY:
                expired_certs.append(f"{key}:{c.get('code')}")

        org_plants = o.get("plants")
        if kind == "oem":
            if not isinstance(org_plants, list) or not (1 <= len(org_plants) <= 3):
                ck.err(where, "an OEM needs 1-3 plants")
                org_plants = org_plants if isinstance(org_plants, list) else []
            for j, p in enumerate(org_plants):
                pw = f"{where} plants[{j}]"
                check_keys(ck, pw, p, PLANT_REQ, PLANT_OPT)
                if not isinstance(p, dict):
                    continue
                pk = p.get("key")
                if not isinstance(pk, str) or not KEY_RE.match(pk):
                    ck.err(pw, f"plant key {pk!r} must be short lower-case ASCII")
                elif pk in plants or pk in orgs:
                    ck.err(pw, f"duplicate plant key {pk}")
                else:
                    plants[pk] = (key, p)
                if not is_nonempty_str(p.get("name")):
                    ck.err(pw, "name must be a non-empty string")
                check_region(pw, p.get("region_code"), {"district"})
        elif org_plants:
            ck.err(where, "only OEMs have plants")

        users = o.get("users")
        if not isinstance(users, list) or not (1 <= len(users) <= 2):
            ck.err(where, "needs 1-2 users")
            users = users if isinstance(users, list) else []
        for j, u in enumerate(users):
            uw = f"{where} users[{j}]"
            check_keys(ck, uw, u, USER_REQ, USER_OPT)
            if not isinstance(u, dict):
                continue
            check_email(uw, u.get("email"))
            if isinstance(u.get("email"), str):
                user_kind[u["email"].lower()] = kind
            if not is_nonempty_str(u.get("display_name")):
                ck.err(uw, "display_name must be a non-empty string")
            if u.get("locale") not in LOCALES:
                ck.err(uw, f"locale {u.get('locale')!r} not in {sorted(LOCALES)}")
            if u.get("email_frequency") is not None and u["email_frequency"] not in FREQUENCIES:
                ck.err(uw, f"email_frequency {u['email_frequency']!r} not in {sorted(FREQUENCIES)}")

    # ---------------------------------------------------------------- logins
    logins = demo.get("logins")
    if check_keys(ck, "logins", logins, LOGIN_KEYS, set()):
        for role in sorted(LOGIN_KEYS):
            email = logins.get(role)
            if not isinstance(email, str):
                ck.err("logins", f"{role} login must be an email string")
                continue
            low = email.lower()
            if role == "staff":
                if low not in staff_emails:
                    ck.err("logins", f"staff login {email} is not in staff[]")
            elif user_kind.get(low) != role:
                ck.err("logins", f"{role} login {email} is not a user of {'a supplier' if role == 'supplier' else 'an OEM'}")

    # ---------------------------------------------------------------- capabilities
    caps_ok = []
    for i, c in enumerate(demo["capabilities"]):
        where = f"capabilities[{i}]"
        check_keys(ck, where, c, CAP_REQ, CAP_OPT)
        if not isinstance(c, dict):
            continue
        where = f"capabilities[{i}] ({c.get('organization')}: {str(c.get('title'))[:30]})"
        org = orgs.get(c.get("organization"))
        if org is None:
            ck.err(where, f"unknown organization {c.get('organization')!r}")
        elif org.get("kind") != "supplier":
            ck.err(where, "capability organization must be a supplier")
        if c.get("category_code") not in categories:
            ck.err(where, f"unknown category_code {c.get('category_code')!r}")
        for k in ("title", "description"):
            if not is_nonempty_str(c.get(k)):
                ck.err(where, f"{k} must be a non-empty string")
        for k in ("products", "processes"):
            v = c.get(k)
            if v is not None and not (isinstance(v, list) and all(is_nonempty_str(x) for x in v)):
                ck.err(where, f"{k} must be a list of non-empty strings")
        for k in ("annual_capacity", "lead_time_days"):
            v = c.get(k)
            if v is not None and not (is_int(v) and v > 0):
                ck.err(where, f"{k} must be a positive integer")
        moq = c.get("min_order_qty")
        if moq is not None and not (is_int(moq) and moq >= 0):
            ck.err(where, "min_order_qty must be a non-negative integer")
        elif is_int(moq) and is_int(c.get("annual_capacity")) and moq > c["annual_capacity"]:
            ck.err(where, "min_order_qty exceeds annual_capacity")
        if c.get("unit") is not None and not is_nonempty_str(c["unit"]):
            ck.err(where, "unit must be a non-empty string")
        served = c.get("served_region_codes")
        if served is not None:
            if not isinstance(served, list):
                ck.err(where, "served_region_codes must be a list")
            else:
                for code in served:
                    check_region(where + " served_region_codes", code, {"province", "city"})
                if len(set(served)) != len(served):
                    ck.err(where, "served_region_codes has duplicates")
        if c.get("status") not in CAP_STATUSES:
            ck.err(where, f"status {c.get('status')!r} not in {sorted(CAP_STATUSES)}")
        caps_ok.append(c)

    # ---------------------------------------------------------------- needs
    for i, n in enumerate(demo["needs"]):
        where = f"needs[{i}]"
        check_keys(ck, where, n, NEED_REQ, NEED_OPT)
        if not isinstance(n, dict):
            continue
        where = f"needs[{i}] ({n.get('organization')}: {str(n.get('title'))[:30]})"
        org = orgs.get(n.get("organization"))
        if org is None:
            ck.err(where, f"unknown organization {n.get('organization')!r}")
        elif org.get("kind") != "oem":
            ck.err(where, "need organization must be an OEM")
        plant = plants.get(n.get("plant"))
        if plant is None:
            ck.err(where, f"unknown plant {n.get('plant')!r}")
        elif plant[0] != n.get("organization"):
            ck.err(where, f"plant {n.get('plant')} belongs to {plant[0]}, not {n.get('organization')}")
        if n.get("category_code") not in categories:
            ck.err(where, f"unknown category_code {n.get('category_code')!r}")
        for k in ("title", "description"):
            if not is_nonempty_str(n.get(k)):
                ck.err(where, f"{k} must be a non-empty string")
        if n.get("annual_volume") is not None and not (is_int(n["annual_volume"]) and n["annual_volume"] > 0):
            ck.err(where, "annual_volume must be a positive integer")
        if n.get("unit") is not None and not is_nonempty_str(n["unit"]):
            ck.err(where, "unit must be a non-empty string")
        sop, resp = n.get("sop_in_days"), n.get("respond_by_in_days")
        if not (is_int(sop) and sop > 0):
            ck.err(where, "sop_in_days must be a positive integer")
        if not (is_int(resp) and resp > 0):
            ck.err(where, "respond_by_in_days must be a positive integer")
        if is_int(sop) and is_int(resp) and resp >= sop:
            ck.err(where, "respond_by_in_days must come before sop_in_days")
        req = n.get("required_certifications") or []
        if not isinstance(req, list):
            ck.err(where, "required_certifications must be a list")
        else:
            for code in req:
                if code not in cert_codes:
                    ck.err(where, f"unknown required certification {code!r}")
            if len(set(req)) != len(req):
                ck.err(where, "required_certifications has duplicates")
        price = n.get("target_price")
        if price is not None and not (isinstance(price, str) and PRICE_RE.match(price)):
            ck.err(where, f"target_price {price!r} must be a decimal string like '1280.00' or null")
        if n.get("status") not in NEED_STATUSES:
            ck.err(where, f"status {n.get('status')!r} not in {sorted(NEED_STATUSES)}")

    # ---------------------------------------------------------------- summary
    org_list = list(orgs.values())
    suppliers = [o for o in org_list if o.get("kind") == "supplier"]
    oems = [o for o in org_list if o.get("kind") == "oem"]
    by_zone = {}
    for o in suppliers:
        z = zone_of(o.get("region_code")) or "outside"
        by_zone[z] = by_zone.get(z, 0) + 1
    def is_english(x):
        return not CJK_RE.search(str(x.get("title", "")) + str(x.get("description", "")))
    caps = demo["capabilities"]
    caps_dicts = [c for c in caps if isinstance(c, dict)]
    needs_dicts = [n for n in demo["needs"] if isinstance(n, dict)]
    n_draft = sum(1 for c in caps_dicts if c.get("status") == "draft")
    n_users = sum(len(o.get("users") or []) for o in org_list)

    print(f"demo.json: {demo_path}")
    print(f"reference: {os.path.dirname(cat_path)} ({len(categories)} categories, {len(regions)} regions, "
          f"{len(zones)} zones, {len(cert_codes)} certifications)")
    print(f"organizations: {len(org_list)} ({len(suppliers)} suppliers, {len(oems)} OEMs, "
          f"{sum(1 for o in org_list if o.get('verified') is False)} unverified), "
          f"{len(plants)} plants, {n_users} org users, {len(demo['staff'])} staff")
    print("suppliers by zone: " + ", ".join(f"{z} {n}" for z, n in sorted(by_zone.items())))
    print(f"capabilities: {len(caps_dicts)} ({len(caps_dicts) - n_draft} published, {n_draft} draft, "
          f"{sum(1 for c in caps_dicts if is_english(c))} in English), "
          f"{len({c.get('category_code') for c in caps_dicts})} distinct categories")
    print(f"needs: {len(needs_dicts)} ({sum(1 for n in needs_dicts if is_english(n))} in English)")
    print(f"expired certifications (before {TODAY}): {', '.join(expired_certs) or 'none'}")

    # ---------------------------------------------------------------- match overview
    def related(cat_a, cat_b):
        if cat_a == cat_b:
            return "exact"
        pa = categories.get(cat_a, {}).get("parent")
        pb = categories.get(cat_b, {}).get("parent")
        if pa and (pa == cat_b or pa == pb):
            return "near"
        if pb == cat_a:
            return "near"
        return None

    gaps = []
    match_lines = []
    for n in needs_dicts:
        plant = plants.get(n.get("plant"))
        if plant is None:
            continue
        pzone = zone_of(plant[1].get("region_code"))
        req = set(n.get("required_certifications") or [])
        cands = {}
        for c in caps_dicts:
            if c.get("status") != "published":
                continue
            rel = related(c.get("category_code"), n.get("category_code"))
            org = orgs.get(c.get("organization"))
            if rel is None or org is None:
                continue
            prev = cands.get(org["key"])
            if prev is None or (prev == "near" and rel == "exact"):
                cands[org["key"]] = rel
        exact_local = False
        parts = []
        for ok, rel in sorted(cands.items(), key=lambda kv: (kv[1] != "exact", kv[0])):
            org = orgs[ok]
            ozone = zone_of(org.get("region_code"))
            local = pzone is not None and ozone == pzone
            if rel == "exact" and local:
                exact_local = True
            valid = {c.get("code") for c in org.get("certifications") or []
                     if parse_date(c.get("expires_on")) and parse_date(c.get("expires_on")) >= TODAY}
            missing = sorted(req - valid)
            parts.append(f"{ok}[{rel}{',local' if local else ''}"
                         f"{',missing ' + '+'.join(missing) if missing else ''}]")
        if not exact_local:
            gaps.append(f"{n.get('organization')}/{n.get('category_code')}")
        match_lines.append(f"  {n.get('organization')} {n.get('category_code')} @ {n.get('plant')} "
                           f"(zone {pzone}): " + ", ".join(parts))
    print(f"chain gaps (no published same-category supplier in the plant's zone): {', '.join(gaps) or 'none'}")
    if show_matches:
        print("candidate suppliers per need:")
        print("\n".join(match_lines))

    if ck.errors:
        print(f"\nFAIL: {len(ck.errors)} problem(s):")
        for e in ck.errors:
            print("  - " + e)
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
