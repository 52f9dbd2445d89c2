

# "step <the drug> (back) down to/by <dose>" is a step-down like "bring it down to" and "step down to".
STEP_BACK_DOWN = [
    ("If the fracture pain has settled by then, please consider stepping the oxycodone back down to 5 mg as needed.", True),
    ("Once she is walking, step her oxycodone down by one capsule a day each week.", True),
    # near miss: stairs, no drug, nothing stepped down to a dose
    ("She managed to step down from the kerb with her frame.", False),
]


@pytest.mark.parametrize("prose, wean", STEP_BACK_DOWN)
def test_stepping_the_drug_back_down_is_a_plan(prose, wean):
    assert _letter(prose).weaning_plan.present is wean


# "(patch) ... remove it after <time> / by <date>" is a stop with a time, as "remove it once ..." is.
REMOVE_AFTER = [
    ("Plan for the patch: remove it after ten days and do not replace it.", True),
    ("BuTrans patch - remove it by 14/11 if the pain has gone.", True),
    # near miss: a patch removed in the past
    ("The old patch was removed on admission.", False),
]


@pytest.mark.parametrize("prose, wean", REMOVE_AFTER)
def test_remove_the_patch_after_a_time_is_a_plan(prose, wean):
    ex = extract_letter(PATCH_LETTER.format(prose=prose))
    assert ex.opioids
    assert ex.weaning_plan.present is wean
