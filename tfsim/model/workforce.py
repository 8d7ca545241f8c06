"""Workforce dynamics: funded posts, vacancies, recruitment, attrition, induction, plans.

The establishment is a set of funded :class:`Post` objects per role, separate from the
people in them.  A post falls vacant at the start, when its holder leaves, or when the
establishment grows; after a decision delay (and any recruitment freeze) it goes
through recruitment rounds, each of which may fail and be re-advertised, until a new
starter fills it.  Agency staff may cover a vacancy meanwhile.  Permanent workers
leave at a turnover hazard that is higher in their first months; they serve notice
(taking no new families) and their families are handed over when they go.  New
starters hold a reduced caseload that rises month by month during induction.

The dated staffing plan adds planned starters and leavers, secondments and changes of
establishment (Phase 2's threefold expansion).

Each post draws its random numbers (its holders' leaving times, its recruitment rounds'
lengths and failures) from its own :class:`~tfsim.model.random.PostDraws`, keyed by the
post's identity: its role and where it came from (the ``k``-th post in post at the start,
the ``k``-th vacant at the start, or the ``j``-th post a given row of the staffing plan
created).  Adding posts therefore leaves the draws of the existing posts alone.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from tfsim.scenario.schema import DAYS_PER_MONTH, DAYS_PER_WEEK, DAYS_PER_YEAR, Scenario

from .entities import AGENCY, PERMANENT, SECONDEE, RoleState, Worker
from .log import EventLog
from .random import PostDraws, Streams
from .scheduler import Scheduler

#: The processes of a post's draws: its holders' tenures (unit exponential), its recruitment
#: rounds' lengths (days) and failures (uniform).
TENURE, ROUND_LENGTH, ROUND_FAILURE = range(3)


class Slots(Protocol):
    """What the workforce needs of the case flow."""

    def offer_slots(self, w: Worker, n: int) -> None:
        """``n`` more families may now be held by ``w``."""

    def hand_over_families(self, w: Worker) -> None:
        """``w`` is leaving: hand each of their families over."""


class Post:
    """A funded post: its identity, FTE, holder (or None when vacant), recruitment and random draws."""

    __slots__ = ("key", "role", "fte", "worker", "cover", "vacant_since", "campaign", "abolished", "draws")

    def __init__(self, role: RoleState, fte: float, draws: PostDraws):
        self.key = draws.key  # e.g. "fip:in_post:3": its role and where it came from
        self.draws = draws
        self.role = role
        self.fte = fte
        self.worker: Worker | None = None
        self.cover: Worker | None = None  # agency worker covering the vacancy
        self.vacant_since = -1.0  # days; -1 when filled
        self.campaign = 0  # bumps to cancel the recruitment in progress
        self.abolished = False  # removed from the establishment when next vacant


class RoleWorkforce:
    """Per-role parameters and funded posts."""

    def __init__(self, scenario: Scenario, role: RoleState):
        params = scenario.workforce_of(role.spec)
        self.params = params
        self.posts: list[Post] = []
        fill = params.time_to_fill_weeks
        #: how a post's uniforms are read, by process (TENURE, ROUND_LENGTH, ROUND_FAILURE)
        self.transforms = (lambda u: -np.log1p(-u), lambda u: fill.quantile(u, DAYS_PER_WEEK), None)
        self.freezes = [
            (scenario.day_of(f.start), scenario.day_of(f.end) + 1.0)
            for f in scenario.recruitment_freezes
            if not f.roles or role.id in f.roles
        ]

    def frozen_until(self, now: float) -> float:
        """End of the freeze in force at ``now`` (``now`` itself when none is)."""
        end = now
        changed = True
        while changed:  # freezes may chain or overlap
            changed = False
            for start, stop in self.freezes:
                if start <= end < stop:
                    end, changed = stop, True
        return end

    def inducted(self, month: int) -> bool:
        """Whether a new starter's induction is over by month ``month`` (0 = first)."""
        n = self.params.induction_months
        return n <= 0 or month >= n

    def induction_share(self, month: int) -> float:
        """Share of a full caseload in induction month ``month`` (0 = first); 1 once inducted."""
        if self.inducted(month):
            return 1.0
        start = self.params.induction_start_share
        return start + (1.0 - start) * month / self.params.induction_months


class Workforce:
    """The key workers of one replication over time: who is in post, and their caseload caps.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    roles : list of RoleState
        The roles, in the scenario's order.
    slots : Slots
        The case flow's interface: new free slots are offered to it, leavers' families handed to it.
    scheduler, log, streams
        The replication's scheduler, event log and random streams (each post's draws are
        a child of their seed).
    """

    def __init__(self, scenario: Scenario, roles: list[RoleState], slots: Slots, scheduler: Scheduler,
                 log: EventLog, streams: Streams):
        self.scenario = scenario
        self.role_states = roles
        self.slots = slots
        self.scheduler = scheduler
        self.log = log
        self.seed = streams.seed
        self.roles = {role.id: RoleWorkforce(scenario, role) for role in roles}
        #: every worker who was ever in post, by id
        self.workers: list[Worker] = []

    # ---- set-up ---------------------------------------------------------------------

    def close(self) -> None:
        """Unlink workers, posts and the case flow (see ``Replication.close``)."""
        self.slots = None
        for w in self.workers:
            w.families.clear()
            w.post = None
        for rw in self.roles.values():
            for post in rw.posts:
                post.worker = post.cover = None

    def start(self) -> None:
        """Put the initial staff in post, open the initial vacancies and schedule the staffing plan."""
        sc = self.scenario
        for role in self.role_states:
            spec = role.spec
            for fte, draws in zip(spec.in_post_fte, self._post_draws(role, "in_post", len(spec.in_post_fte))):
                post = self._new_post(role, fte, draws)
                self._fill(post, self.add_worker(role, fte), induct=False)
            for fte, draws in zip(spec.vacant_fte, self._post_draws(role, "vacant", len(spec.vacant_fte))):
                self._vacate(self._new_post(role, fte, draws))
        # a post the plan creates is named by its row's content (and which of identical rows
        # it is), not the row's position, so adding a row leaves the others' posts alone
        seen: dict[str, int] = {}
        for change in sc.staffing_plan:
            day = sc.day_of(change.date)
            if change.action == "leave":
                # the leaver stops taking new families for their notice period before the date
                notice = self.roles[change.role].params.notice_weeks * DAYS_PER_WEEK
                self.scheduler.at(max(0.0, day - notice), self._planned_notice, (change, day))
                continue
            content = (f"plan:{change.date.isoformat()}:{change.action}:{change.fte:g}:"
                       f"{change.establishment_change_fte}:{change.establishment_factor}")
            seen[content] = seen.get(content, -1) + 1
            self.scheduler.at(day, self._planned_change, (change, f"{content}:{seen[content]}"))

    def _role(self, role_id: str) -> RoleState:
        return next(r for r in self.role_states if r.id == role_id)

    def _post_draws(self, role: RoleState, origin: str, posts: int) -> list[PostDraws]:
        """The draws of ``posts`` new posts of ``role`` that come from ``origin``."""
        return PostDraws.group(self.seed, f"{role.id}:{origin}", posts, self.roles[role.id].transforms)

    def _new_post(self, role: RoleState, fte: float, draws: PostDraws) -> Post:
        post = Post(role, fte, draws)
        self.roles[role.id].posts.append(post)
        self.log.establishment[role.index].append((self.scheduler.now, fte))
        return post

    # ---- workers in post and their caseload caps -------------------------------------------

    def add_worker(self, role: RoleState, fte: float, kind: int = PERMANENT, share: float = 1.0) -> Worker:
        """Put a worker in post now, holding ``share`` of a full caseload at first (induction)."""
        now = self.scheduler.now
        w = Worker(len(self.workers), role, fte, kind, since=now)
        w.cap = w.caseload_cap(share)
        self.workers.append(w)
        role.workers[w.id] = w
        self.log.capacity[role.index].append((now, w.cap))
        if kind == AGENCY:
            self.log.agency_fte[role.index].append((now, fte))
        else:
            self.log.fte[role.index].append((now, fte))
        self.slots.offer_slots(w, w.cap)
        return w

    def set_share(self, w: Worker, share: float) -> None:
        """``w`` may now hold ``share`` of a full caseload; a rise is offered to waiting families."""
        cap = w.caseload_cap(share)
        if w.gone or cap == w.cap:
            return
        rise = cap - w.cap
        self.log.capacity[w.role.index].append((self.scheduler.now, rise))
        w.cap = cap
        self.slots.offer_slots(w, max(0, rise))

    def remove_worker(self, w: Worker) -> None:
        """``w`` leaves now: each of their families is handed over, then their slots go."""
        if w.gone:
            return
        now = self.scheduler.now
        w.gone = True
        w.left = now
        w.accepting = False
        del w.role.workers[w.id]
        self.slots.hand_over_families(w)
        self.log.capacity[w.role.index].append((now, -w.cap))
        if w.kind == AGENCY:
            self.log.agency_fte[w.role.index].append((now, -w.fte))
        else:
            self.log.fte[w.role.index].append((now, -w.fte))

    # ---- filling and vacating posts ----------------------------------------------------

    def _fill(self, post: Post, w: Worker, induct: bool) -> None:
        now = self.scheduler.now
        if post.vacant_since >= 0:
            self.log.vacant[post.role.index].append((now, -post.fte))
            self.log.fill_days.append((now, now - post.vacant_since))
            post.vacant_since = -1.0
        post.campaign += 1  # any recruitment still running for this post stops
        post.worker = w
        w.post = post
        if induct:
            self._induct(w)
        self._schedule_leaving(w)

    def _vacate(self, post: Post) -> None:
        """``post`` is now empty: start recruitment (unless it is being abolished)."""
        now = self.scheduler.now
        post.worker = None
        if post.abolished:
            self.roles[post.role.id].posts.remove(post)
            return
        post.vacant_since = now
        self.log.vacant[post.role.index].append((now, post.fte))
        params = self.roles[post.role.id].params
        post.campaign += 1
        self.scheduler.at(params.decision_delay_weeks * DAYS_PER_WEEK, self._recruit, (post, post.campaign))
        if params.agency_cover:
            self.scheduler.at(params.agency_start_weeks * DAYS_PER_WEEK, self._agency, (post, post.campaign))

    def _recruit(self, value, _tag) -> None:
        """Start a recruitment round for the post, after any freeze."""
        post, campaign = value
        if post.campaign != campaign:
            return
        now = self.scheduler.now
        wf = self.roles[post.role.id]
        resume = wf.frozen_until(now)
        if resume > now:
            self.scheduler.at(resume - now, self._recruit, (post, campaign))
            return
        # a round's length and whether it fails are drawn together, so the post's k-th round
        # reads its k-th draws of both even when a planned starter cuts a round short
        length = post.draws.next(ROUND_LENGTH)
        p = wf.params.round_failure_probability
        fails = p > 0 and post.draws.next(ROUND_FAILURE) < p
        self.scheduler.at(length, self._round_ends, (post, campaign, fails))

    def _round_ends(self, value, _tag) -> None:
        post, campaign, fails = value
        if post.campaign != campaign:
            return
        if fails:
            self.scheduler.at(0.0, self._recruit, (post, campaign))  # re-advertise
            return
        self._hire(post)

    def _hire(self, post: Post) -> None:
        wf = self.roles[post.role.id]
        if post.cover is not None:
            # the agency cover goes first, so its families wait at the front of the list and
            # the new starter's first slots go to them rather than to newly waiting families
            cover, post.cover = post.cover, None
            self.remove_worker(cover)
        w = self.add_worker(post.role, post.fte, PERMANENT, share=wf.induction_share(0))
        self.log.hires.append((self.scheduler.now, post.role.index))
        self._fill(post, w, induct=True)

    def _agency(self, value, _tag) -> None:
        post, campaign = value
        if post.campaign != campaign or post.worker is not None or post.cover is not None:
            return
        post.cover = self.add_worker(post.role, post.fte, AGENCY)

    # ---- induction -----------------------------------------------------------------------

    def _induct(self, w: Worker) -> None:
        params = self.roles[w.role.id].params
        if params.induction_months <= 0:
            return
        w.inducting = True
        self.log.induction.append((self.scheduler.now, 1))
        self.scheduler.at(DAYS_PER_MONTH, self._induction_step, (w, 1))

    def _induction_step(self, value, _tag) -> None:
        w, month = value
        if w.gone:
            return
        wf = self.roles[w.role.id]
        self.set_share(w, wf.induction_share(month))
        if wf.inducted(month):
            self._end_induction(w)
            return
        remaining = wf.params.induction_months - month
        self.scheduler.at(DAYS_PER_MONTH * min(1.0, remaining), self._induction_step, (w, month + 1))

    def _end_induction(self, w: Worker) -> None:
        if w.inducting:
            w.inducting = False
            self.log.induction.append((self.scheduler.now, -1))

    # ---- leaving ---------------------------------------------------------------------------

    def _schedule_leaving(self, w: Worker) -> None:
        """Draw when ``w`` resigns: turnover hazard r a year, times m in the first months."""
        wf = self.roles[w.role.id]
        params = wf.params
        r = params.turnover_per_year
        if r <= 0 or w.kind != PERMANENT:
            return
        k = params.early_leaving_multiplier
        early = params.early_leaving_months / 12.0
        e = w.post.draws.next(TENURE)  # unit exponential: solve cumulative hazard H(t) = e
        years = e / (r * k) if e <= r * k * early else early + (e - r * k * early) / r
        self.scheduler.at(years * DAYS_PER_YEAR, self._resign, w)

    def _resign(self, w, _tag) -> None:
        if w.gone or not w.accepting:
            return
        w.accepting = False  # serving notice: no new families
        notice = self.roles[w.role.id].params.notice_weeks * DAYS_PER_WEEK
        self.scheduler.at(notice, self._depart, w)

    def _depart(self, w, _tag) -> None:
        if w.gone:
            return
        self.remove_worker(w)
        self._end_induction(w)
        if w.kind == PERMANENT:
            self.log.leavers.append((self.scheduler.now, w.role.index))
        if w.post is not None and w.kind == PERMANENT:
            self._vacate(w.post)

    # ---- the dated staffing plan -----------------------------------------------------------

    def _planned_notice(self, value, _tag) -> None:
        change, day = value
        role = self._role(change.role)
        leaver = self._pick_worker(role, change.fte)
        if leaver is None:
            return
        leaver.accepting = False
        self.scheduler.at(max(0.0, day - self.scheduler.now), self._depart, leaver)

    def _pick_worker(self, role: RoleState, fte: float) -> Worker | None:
        staying = [w for w in role.workers.values() if w.kind == PERMANENT and w.accepting]
        if not staying:
            return None
        same = [w for w in staying if abs(w.fte - fte) < 1e-9]
        return (same or staying)[0]

    def _planned_change(self, value, _tag) -> None:
        change, origin = value  # origin: names the posts the row creates
        now = self.scheduler.now
        role = self._role(change.role)
        wf = self.roles[role.id]
        if change.action == "start":
            vacant = [p for p in wf.posts if p.worker is None and not p.abolished]
            vacant.sort(key=lambda p: (abs(p.fte - change.fte) > 1e-9, p.vacant_since))
            post = vacant[0] if vacant else self._new_post(
                role, change.fte, self._post_draws(role, origin, 1)[0])
            if post.fte != change.fte:  # the starter's hours define the post from now on
                self.log.establishment[role.index].append((now, change.fte - post.fte))
                if post.vacant_since >= 0:
                    self.log.vacant[role.index].append((now, change.fte - post.fte))
                post.fte = change.fte
            self._hire(post)
        elif change.action == "secondment":
            w = self.add_worker(role, change.fte, SECONDEE)
            until = self.scenario.day_of(change.until) + 1.0
            self.scheduler.at(until - now, self._depart, w)
        elif change.action == "establishment":
            current = sum(p.fte for p in wf.posts if not p.abolished)
            delta = change.establishment_change_fte if change.establishment_change_fte is not None \
                else current * (change.establishment_factor - 1.0)
            if delta > 1e-9:
                self._grow(role, delta, origin)
            elif delta < -1e-9:
                self._shrink(role, -delta)

    def _grow(self, role: RoleState, fte: float, origin: str) -> None:
        """New funded posts from ``origin`` (a plan row): full-time posts plus one part-time post for any remainder."""
        whole = int(fte + 1e-9)
        parts = [1.0] * whole
        rest = round(fte - whole, 6)
        if rest > 1e-6:
            parts.append(rest)
        for part, draws in zip(parts, self._post_draws(role, origin, len(parts))):
            self._vacate(self._new_post(role, part, draws))

    def _shrink(self, role: RoleState, fte: float) -> None:
        """Remove funded posts: vacant ones first, then filled ones once their holders leave."""
        now = self.scheduler.now
        wf = self.roles[role.id]
        vacant_first = sorted(wf.posts, key=lambda p: p.worker is not None)
        for post in vacant_first:
            if fte <= 1e-9:
                break
            if post.abolished:
                continue
            post.abolished = True
            fte -= post.fte
            self.log.establishment[role.index].append((now, -post.fte))
            if post.worker is None:
                post.campaign += 1  # stop recruiting
                if post.vacant_since >= 0:
                    self.log.vacant[role.index].append((now, -post.fte))
                    post.vacant_since = -1.0
                if post.cover is not None:
                    cover, post.cover = post.cover, None
                    self.remove_worker(cover)
                wf.posts.remove(post)
