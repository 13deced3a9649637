"""Per-session floors a replica remembers stay bounded however many sessions it has seen."""

from support_core.recent import Recent


def test_past_its_limit_the_least_recently_written_session_goes() -> None:
    floors: Recent[str, int] = Recent(2)
    floors["s1"], floors["s2"] = 1, 1
    floors["s1"] = 2  # written again: now the most recent
    floors["s3"] = 1
    assert dict(floors) == {"s1": 2, "s3": 1}


def test_a_million_sessions_leave_only_the_limit_behind() -> None:
    floors: Recent[str, int] = Recent(1000)
    for n in range(1_000_000):
        floors[f"s{n}"] = n
    assert len(floors) == 1000 and "s999999" in floors and "s0" not in floors
