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


def test_per_disguise_table_gives_mean_and_range_of_both_systems():
    def run(pd, mae, base_pd):
        per = {"plagdet": pd, "granularity": 1.0}
        return {
            "disguises": ["tradlib"],
            "scores": {
                "dupcheck": {
                    "tradlib": {"pan": per, "mae": mae, "f1": 1.0},
                    "overall": {"pan": per, "mae": mae, "f1": 1.0},
                },
                "baseline": {
                    "tradlib": {"pan": {"plagdet": base_pd}, "mae": 7.0, "f1": 0.5},
                    "overall": {"pan": {"plagdet": base_pd}, "mae": 7.0, "f1": 0.5},
                },
            },
        }

    lines = seeds.per_disguise_table([("seed 1", run(0.98, 0.5, 0.1)), ("seed 2", run(0.96, 1.5, 0.3))])
    assert lines[2] == (
        "| tradlib | 0.970 (0.960–0.980) | 1.000 (1.000–1.000) | 1.00 (0.50–1.50) | 1.000 (1.000–1.000) "
        "| 0.200 (0.100–0.300) | 7.00 (7.00–7.00) |"
    )
    assert lines[3].startswith("| overall |")
