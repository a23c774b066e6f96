from bench import bench_quality_seeds as seeds


def result(gran_worst_pass=True):
    t = [
        {"target": "PlagDet overall", "goal": "≥ 0.93", "value": 0.9861, "pass": True},
        {"target": "PlagDet every single disguise (worst: edit10)", "goal": "≥ 0.85", "value": 0.9715, "pass": True},
        {"target": "granularity overall", "goal": "≤ 1.05", "value": 1.0009, "pass": True},
        {
            "target": "granularity every disguise (worst: sentence)",
            "goal": "≤ 1.05",
            "value": 1.052,
            "pass": gran_worst_pass,
        },
        {"target": "traditional vs simplified, max |Δrate| (points)", "goal": "≤ 1", "value": None, "pass": True},
        {
            "target": "false alarm: max rate on drafts with nothing copied (%)",
            "goal": "< 3",
            "value": 1.635,
            "pass": True,
        },
    ]
    return {"targets": {"dupcheck": t}, "scores": {"dupcheck": {"overall": {"false_alarm": {"mean": 0.0015}}}}}


def test_cells_pair_the_per_disguise_twin_and_keep_failures():
    rows = seeds.cells(result())
    assert [r[1] for r in rows] == ["0.986", "0.972 (edit10)", "1.001 / 1.052", "—", "1.64 (mean 0.15)"]
    assert rows[2][0] == "granularity overall / worst disguise ≤ 1.05 / ≤ 1.05"
    assert all(ok for _, _, ok in rows)
    assert [ok for _, _, ok in seeds.cells(result(gran_worst_pass=False))] == [True, True, False, True, True]


def test_seed_lists():
    assert seeds._seeds("1, 2,3") == [1, 2, 3] and seeds._seeds("") == []
