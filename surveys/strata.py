"""Breakdown categories that hide in a crowd (docs/anonymity.md, "Strata").

An admin knows every submitter's profile. If the categories stored with a response (region,
employer type, ...) were copied as they are, a combination that only one submitter has would
name them: in 2022, 84 of 168 responses were unique that way. So, when a batch of ballots is
mixed, the categories are generalised until every combination occurs at least k times in the
batch (k = DISCLOSURE_THRESHOLD).

The hierarchy of every dimension has two levels: the category, then blank ("not broken
down", national for the region). Counties are never stored: the region is already the first
step up from the county. Dimensions are given up in the order of HIERARCHY, so the ones the
reports publish as shares (union membership, user representative) are kept the longest.

The training programme (completed or not) comes just before those two: like them it is a
yes/no, so keeping it splits a group in two at most, where region or employer type split it
in five; and the annual report's finding that the programme goes with higher pay needs it.
It is no less protected for being kept late: the order only decides which category a small
group loses first, every stored combination is shared by k whatever the order.

Only responses in groups smaller than k lose a category (local recoding): a group that is
still too small after losing one takes responses from groups that differ from it only in
that category, as many as those can spare without falling under k, chosen at random.
"""

from collections import defaultdict

BLANK = ""
# The order in which dimensions are given up: first the least reported.
HIERARCHY = (
    "contract_type",
    "field",
    "employer_type",
    "region",
    "training_completed",
    "user_representative",
    "union_member",
)
DIMENSIONS = tuple(sorted(HIERARCHY))


class TooFewResponses(ValueError):
    """Fewer responses than k: no generalisation can hide them."""


def combination(strata):
    return tuple(strata.get(name, BLANK) or BLANK for name in DIMENSIONS)


def _groups(records):
    groups = defaultdict(list)
    for index, record in enumerate(records):
        groups[combination(record)].append(index)
    return groups


def generalise(strata_list, *, k, rng):
    """The strata of a batch, generalised so that each combination occurs at least `k` times.

    `strata_list` is a list of dicts over DIMENSIONS; returns new dicts in the same order.
    `rng` chooses which responses of a large group join a small one (random.Random API).
    Raises TooFewResponses when the batch has fewer than `k` responses.
    """
    if len(strata_list) < k:
        raise TooFewResponses(len(strata_list))
    records = [{name: s.get(name, BLANK) or BLANK for name in DIMENSIONS} for s in strata_list]
    for dimension in HIERARCHY:
        small = [i for group in _groups(records).values() if len(group) < k for i in group]
        if not small:
            return records
        for index in small:
            records[index][dimension] = BLANK
        _recruit(records, k, rng, dimension, whole_groups=False)
    # Every response still in a small group is now blank in every dimension; fill that one
    # group from the others, whole groups if their spare responses are not enough.
    _recruit(records, k, rng, None, whole_groups=True)
    return records


def _recruit(records, k, rng, dimension, *, whole_groups):
    """Grow each group smaller than `k` that is blank in `dimension` with responses from
    groups that differ from it only there. With `dimension` None, grow the group blank in
    every dimension from any group."""
    groups = _groups(records)
    for key, members in list(groups.items()):
        if len(members) >= k:
            continue
        if dimension is None:
            if any(key):
                continue
            donors = [other for other in groups if other != key]
        else:
            position = DIMENSIONS.index(dimension)
            if key[position] != BLANK:
                continue
            donors = [
                other
                for other in groups
                if other[position] != BLANK
                and other[:position] + other[position + 1 :] == key[:position] + key[position + 1 :]
            ]
        needed = k - len(members)
        # Spare responses first, from the largest groups.
        for donor in sorted(donors, key=lambda d: -len(groups[d])):
            spare = len(groups[donor]) - k
            if spare <= 0 or needed <= 0:
                continue
            moved = rng.sample(groups[donor], min(spare, needed))
            _move(records, moved, key, dimension)
            taken = set(moved)
            groups[donor] = [i for i in groups[donor] if i not in taken]
            needed -= len(moved)
        if needed > 0 and whole_groups:
            for donor in sorted(donors, key=lambda d: len(groups[d])):
                if needed <= 0:
                    break
                _move(records, groups[donor], key, dimension)
                needed -= len(groups[donor])
                groups[donor] = []


def _move(records, indexes, key, dimension):
    for index in indexes:
        if dimension is None:
            records[index] = dict(zip(DIMENSIONS, key, strict=True))
        else:
            records[index][dimension] = BLANK
