"""Plain functions the Streamlit pages call: the glue between the store and the audit domain.

A page reads its widgets, calls one function here and shows the result. Nothing here imports
Streamlit, so every function is testable without a browser. One module per thing the user sees:

- scope: who may do what; :class:`TrustScope` is the store, the caller's access and one trust,
  checked once when a page builds it (``TrustScope.check``); every function below that works in
  a trust takes that scope first and does not check the trust again (rounds and letters are
  checked against it: ``scope.round(id)``, ``scope.letter(id)``)
- trusts: trusts, who may see them, their rounds        - standards: the trust's standards versions
- pdsa: the PDSA log                                     - letters: the letters table and corrections
- importing: upload -> prepared import -> saved round    - compliance: one round against the standards
- charts: a measure on a run/SPC chart                   - reports: the Excel report and the slides
- network: several trusts compared (funnels, trends, league tables, the collated report), as
  ``services.network.funnel_view(...)`` etc.

Services return data (tables, views, the arguments of a figure); the pages build HTML and plotly
figures with audit_app.ui (evidence, figures). Everything is re-exported here, so
``from audit_app import services; services.chart(scope, ...)`` works for pages and tests.

Access: in single-user mode (no sign-in configured) every trust is allowed; with sign-in, only
the trusts granted to the user's e-mail (``store.trusts_for_user``).
"""
from __future__ import annotations

from audit_app.access import AccessContext, AccessDenied
from audit_app.services.charts import (CHART_TYPES, GRAINS, RULE_SETS, ChartView, chart, chart_csv, figure_png,
                                       icon_text, measure_options, measures)
from audit_app.services.compliance import (ComplianceView, RescorePreview, compliance, rescore_preview,
                                          rescore_round)
from audit_app.services.importing import (LETTER_SEPARATOR, MAPPING_MISFIT, already_stored, decode_letter_file,
                                          discharge_date_of, extraction_summary, field_choices, issues_table,
                                          list_sheets, mapping_from_table, mapping_table, mapping_with_edits,
                                          prepare_letters, prepare_upload, preview_table, remap_upload,
                                          review_table, save_import, split_pasted_letters, warm_up)
from audit_app.services.letters import (OUTCOME_SYMBOLS, CorrectableField, CorrectionResult, apply_correction,
                                        correctable_fields, current_value, letter_corrections, letter_ome_table,
                                        letter_outcome, letter_results_table, letter_wording, letters_table,
                                        score_letter, value_words)
from audit_app.services import network
from audit_app.services.pdsa import (ACT_CHOICES, PDSA_FIELDS, delete_pdsa, list_pdsa, pdsa_cycles, pdsa_table,
                                     save_pdsa)
from audit_app.services.reports import change_ideas, report_filename, round_report, round_slides, slide_measures
from audit_app.services.scope import (Access, ServiceError, TrustScope, access_for_user, access_from_key, single_user,
                                      test_signed_in_user, user_label, visible_trusts)
from audit_app.services.standards import (current_standards, save_standards, standards_parameters, standards_table,
                                          standards_templates, standards_versions)
from audit_app.services.trusts import (create_round, create_trust, delete_round, delete_trust, grant_trust,
                                       list_rounds, rename_trust, revoke_trust, rounds_table, trust_users,
                                       update_round)
from audit_app.store.database import LetterRow, RoundInfo, Store, StoreError, TrustInfo
from qi.explain import NO_SIGNAL
