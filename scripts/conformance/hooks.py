"""Schemathesis hooks for scripts/conformance.sh: one extra check that keeps the documented 422
narrow.

schemathesis.toml lets `positive_data_acceptance` take a 422, because some rules no JSON Schema
can state: whether a code is in the reference data, whether a token or password is right, a
credit code's check digit, a roster file's rows, dates relative to today. This check makes sure
that is *all* a 422 to schema-valid input may say: every refused field must carry one of the
codes below. A 422 for anything the schema could have said (a blank name, a role outside the
list, a text too long) still fails the run, so the document has to say it.
"""

import re

import schemathesis

# Rules outside what the schema can say (docs/api-spec.md, "Conformance"), by problem `code`.
SEMANTIC = re.compile(
    r"""^(
      # reference data and things referred to by id or code (loaded at start, not in the schema)
      ([a-z_]+\.)?unknown
    | region_code\.too_coarse | served_region_codes\.district
    | delivery_region_code\.plant_mismatch
      # secrets and server-issued tokens: mail tokens, page cursors, the caller's password
    | token\.invalid | cursor\.invalid | password\.current_wrong
      # password strength beyond its length: common, or made of the email or the site's name
    | password\.(common|contains_email|context)
      # content rules: check digits, address syntax, files
    | credit_code\.check_digit | email\.[a-z_]+ | phone\.invalid | website\.invalid
    | roster\.[a-z_]+ | file\.encoding | attachment\.(type|empty)
      # relative to today or to another field
    | [a-z_]+\.past | [a-z_]+\.future | [a-z_]+\.too_far | [a-z_]+\.range | min_order_qty\.above_capacity
    | certification\.duplicate
      # a quote goes with the supplier's yes, which depends on the caller's side of the match
    | quote\.supplier_interested_only
    )$""",
    re.VERBOSE,
)


@schemathesis.check
def refusals_are_semantic(ctx, response, case):
    """A 422 to schema-valid input names only rules the schema cannot state."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    try:
        errors = response.json().get("errors") or []
    except Exception:  # not JSON: content_type_conformance reports it
        errors = []
    codes = [e.get("code", "") for e in errors if isinstance(e, dict)]
    stated = [c for c in codes if not SEMANTIC.match(c)]
    if not codes or stated:
        raise AssertionError(
            "Schema-valid input refused for a rule the schema could state: "
            + (", ".join(f"{e.get('field')}: {e.get('code')}" for e in errors
                         if e.get("code") in stated) or "no field named")
        )
    return None
