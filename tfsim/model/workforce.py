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
"""

from __future__ import annotations


from tfsim.scenario.schema import DAYS_PER_MONTH, DAYS_PER_WEEK

from .engine import AGENCY, PERMANENT, SECONDEE, Engine, RoleState, Worker, caseload_cap

DAYS_PER_YEAR = 365.25


class Post:
    """A funded post: its FTE, its holder (or None when vacant) and its recruitment."""

    __slots__ = ("role", "fte", "worker", "cover", "vacant_since", "campaign", "abolished")

    def __init__(self, role: RoleState, fte: float):
        self.role = role
        self.fte = fte
        self.worker: Worker | None = None
        self.cover: Worker | None = None  # agency worker covering the vacancy
        self.vacant_since = -1.0  # days; -1 when filled
        self.campaign = 0  # bumps to cancel the recruitment in progress
        self.abolished = False  # removed from the establishment when next vacant


class RoleWorkforce:
    """Per-role parameters and random streams."""

    def __init__(self, engine: Engine, role: RoleState):
        params = engine.scenario.workforce_of(role.spec)
        self.params = params
        self.posts: list[Post] = []
        streams = engine.streams
        self.tenure_draw = streams.sampler(f"attrition:{role.id}", _unit_exponential())
        self.time_to_fill = streams.sampler(f"time_to_fill:{role.id}", params.time_to_fill_weeks)
        self.round_fails = streams.uniform(f"recruitment_failure:{role.id}")
        self.freezes = [
            (engine.scenario.day_of(f.start), engine.scenario.day_of(f.end) + 1.0)
            for f in engine.scenario.recruitment_freezes
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


def _unit_exponential():
    from tfsim.scenario.schema import Exponential

    return Exponential(mean=1.0)


class WorkforceProcess:
    """Drives the workers of an :class:`Engine` over time."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.roles = {role.id: RoleWorkforce(engine, role) for role in engine.roles}

    # ---- set-up ---------------------------------------------------------------------

    def start(self) -> None:
        eng = self.engine
        for role in eng.roles:
            for fte in role.spec.in_post_fte:
                post = self._new_post(role, fte)
                self._fill(post, eng.add_worker(role, fte), induct=False)
            for fte in role.spec.vacant_fte:
                self._vacate(self._new_post(role, fte))
        for change in eng.scenario.staffing_plan:
            day = eng.scenario.day_of(change.date)
            if change.action == "leave":
                # the leaver stops taking new families for their notice period before the date
                notice = self.roles[change.role].params.notice_weeks * DAYS_PER_WEEK
                eng.at(max(0.0, day - notice), self._planned_notice, (change, day))
            else:
                eng.at(day, self._planned_change, change)

    def _role(self, role_id: str) -> RoleState:
        return next(r for r in self.engine.roles if r.id == role_id)

    def _new_post(self, role: RoleState, fte: float) -> Post:
        post = Post(role, fte)
        self.roles[role.id].posts.append(post)
        self.engine.log.establishment[role.index].append((self.engine.env.now, fte))
        return post

    # ---- filling and vacating posts ----------------------------------------------------

    def _fill(self, post: Post, w: Worker, induct: bool) -> None:
        eng = self.engine
        now = eng.env.now
        if post.vacant_since >= 0:
            eng.log.vacant[post.role.index].append((now, -post.fte))
            eng.log.fill_days.append((now, now - post.vacant_since))
            post.vacant_since = -1.0
        post.campaign += 1  # any recruitment still running for this post stops
        post.worker = w
        w.post = post
        if induct:
            self._induct(w)
        self._schedule_leaving(w)

    def _vacate(self, post: Post) -> None:
        """``post`` is now empty: start recruitment (unless it is being abolished)."""
        eng = self.engine
        now = eng.env.now
        post.worker = None
        if post.abolished:
            self.roles[post.role.id].posts.remove(post)
            return
        post.vacant_since = now
        eng.log.vacant[post.role.index].append((now, post.fte))
        params = self.roles[post.role.id].params
        post.campaign += 1
        eng.at(params.decision_delay_weeks * DAYS_PER_WEEK, self._recruit, (post, post.campaign))
        if params.agency_cover:
            eng.at(params.agency_start_weeks * DAYS_PER_WEEK, self._agency, (post, post.campaign))

    def _recruit(self, event) -> None:
        """Start a recruitment round for the post, after any freeze."""
        post, campaign = event.value
        if post.campaign != campaign:
            return
        now = self.engine.env.now
        wf = self.roles[post.role.id]
        resume = wf.frozen_until(now)
        if resume > now:
            self.engine.at(resume - now, self._recruit, (post, campaign))
            return
        self.engine.at(wf.time_to_fill() * DAYS_PER_WEEK, self._round_ends, (post, campaign))

    def _round_ends(self, event) -> None:
        post, campaign = event.value
        if post.campaign != campaign:
            return
        wf = self.roles[post.role.id]
        if wf.round_fails() < wf.params.round_failure_probability:
            self.engine.at(0.0, self._recruit, (post, campaign))  # re-advertise
            return
        self._hire(post)

    def _hire(self, post: Post) -> None:
        eng = self.engine
        wf = self.roles[post.role.id]
        if post.cover is not None:
            # the agency cover goes first, so its families wait at the front of the list and
            # the new starter's first slots go to them rather than to newly waiting families
            cover, post.cover = post.cover, None
            eng.remove_worker(cover)
        cap = self._induction_cap(post.role, post.fte, 0, wf.params)
        w = eng.add_worker(post.role, post.fte, PERMANENT, cap=cap)
        eng.log.hires.append((eng.env.now, post.role.index))
        self._fill(post, w, induct=True)

    def _agency(self, event) -> None:
        post, campaign = event.value
        if post.campaign != campaign or post.worker is not None or post.cover is not None:
            return
        post.cover = self.engine.add_worker(post.role, post.fte, AGENCY)

    # ---- induction -----------------------------------------------------------------------

    @staticmethod
    def _induction_cap(role: RoleState, fte: float, month: int, params) -> int | None:
        """Cap of a new starter in induction month ``month`` (0 = first), None when full."""
        n = params.induction_months
        if n <= 0 or month >= n:
            return None
        share = params.induction_start_share + (1.0 - params.induction_start_share) * month / n
        return caseload_cap(role.spec.caseload_cap_per_fte * share, fte)

    def _induct(self, w: Worker) -> None:
        params = self.roles[w.role.id].params
        if params.induction_months <= 0:
            return
        w.inducting = True
        self.engine.log.induction.append((self.engine.env.now, 1))
        self.engine.at(DAYS_PER_MONTH, self._induction_step, (w, 1))

    def _induction_step(self, event) -> None:
        w, month = event.value
        if w.gone:
            return
        params = self.roles[w.role.id].params
        cap = self._induction_cap(w.role, w.fte, month, params)
        if cap is None:
            self.engine.set_cap(w, w.full_cap)
            self._end_induction(w)
            return
        self.engine.set_cap(w, cap)
        remaining = params.induction_months - month
        self.engine.at(DAYS_PER_MONTH * min(1.0, remaining), self._induction_step, (w, month + 1))

    def _end_induction(self, w: Worker) -> None:
        if w.inducting:
            w.inducting = False
            self.engine.log.induction.append((self.engine.env.now, -1))

    # ---- leaving ---------------------------------------------------------------------------

    def _schedule_leaving(self, w: Worker) -> None:
        """Draw when ``w`` resigns: turnover hazard r a year, times m in the first months."""
        params = self.roles[w.role.id].params
        r = params.turnover_per_year
        if r <= 0 or w.kind != PERMANENT:
            return
        k = params.early_leaving_multiplier
        early = params.early_leaving_months / 12.0
        e = self.roles[w.role.id].tenure_draw()  # unit exponential: solve cumulative hazard H(t) = e
        years = e / (r * k) if e <= r * k * early else early + (e - r * k * early) / r
        self.engine.at(years * DAYS_PER_YEAR, self._resign, w)

    def _resign(self, event) -> None:
        w = event.value
        if w.gone or not w.accepting:
            return
        w.accepting = False  # serving notice: no new families
        notice = self.roles[w.role.id].params.notice_weeks * DAYS_PER_WEEK
        self.engine.at(notice, self._depart, w)

    def _depart(self, event) -> None:
        w = event.value
        if w.gone:
            return
        eng = self.engine
        eng.remove_worker(w)
        self._end_induction(w)
        if w.kind == PERMANENT:
            eng.log.leavers.append((eng.env.now, w.role.index))
        if w.post is not None and w.kind == PERMANENT:
            self._vacate(w.post)

    # ---- the dated staffing plan -----------------------------------------------------------

    def _planned_notice(self, event) -> None:
        change, day = event.value
        role = self._role(change.role)
        leaver = self._pick_worker(role, change.fte)
        if leaver is None:
            return
        leaver.accepting = False
        self.engine.at(max(0.0, day - self.engine.env.now), self._depart, leaver)

    def _pick_worker(self, role: RoleState, fte: float) -> Worker | None:
        staying = [w for w in role.workers if w.kind == PERMANENT and w.accepting]
        if not staying:
            return None
        same = [w for w in staying if abs(w.fte - fte) < 1e-9]
        return (same or staying)[0]

    def _planned_change(self, event) -> None:
        change = event.value
        eng = self.engine
        role = self._role(change.role)
        wf = self.roles[role.id]
        if change.action == "start":
            vacant = [p for p in wf.posts if p.worker is None and not p.abolished]
            vacant.sort(key=lambda p: (abs(p.fte - change.fte) > 1e-9, p.vacant_since))
            post = vacant[0] if vacant else self._new_post(role, change.fte)
            if post.fte != change.fte:  # the starter's hours define the post from now on
                eng.log.establishment[role.index].append((eng.env.now, change.fte - post.fte))
                if post.vacant_since >= 0:
                    eng.log.vacant[role.index].append((eng.env.now, change.fte - post.fte))
                post.fte = change.fte
            self._hire(post)
        elif change.action == "secondment":
            w = eng.add_worker(role, change.fte, SECONDEE)
            until = eng.scenario.day_of(change.until) + 1.0
            eng.at(until - eng.env.now, self._depart, w)
        elif change.action == "establishment":
            current = sum(p.fte for p in wf.posts if not p.abolished)
            delta = change.establishment_change_fte if change.establishment_change_fte is not None \
                else current * (change.establishment_factor - 1.0)
            if delta > 1e-9:
                self._grow(role, delta)
            elif delta < -1e-9:
                self._shrink(role, -delta)

    def _grow(self, role: RoleState, fte: float) -> None:
        """New funded posts: full-time posts plus one part-time post for any remainder."""
        whole = int(fte + 1e-9)
        parts = [1.0] * whole
        rest = round(fte - whole, 6)
        if rest > 1e-6:
            parts.append(rest)
        for part in parts:
            self._vacate(self._new_post(role, part))

    def _shrink(self, role: RoleState, fte: float) -> None:
        """Remove funded posts: vacant ones first, then filled ones once their holders leave."""
        eng = self.engine
        now = eng.env.now
        wf = self.roles[role.id]
        vacant_first = sorted(wf.posts, key=lambda p: p.worker is not None)
        for post in vacant_first:
            if fte <= 1e-9:
                break
            if post.abolished:
                continue
            post.abolished = True
            fte -= post.fte
            eng.log.establishment[role.index].append((now, -post.fte))
            if post.worker is None:
                post.campaign += 1  # stop recruiting
                if post.vacant_since >= 0:
                    eng.log.vacant[role.index].append((now, -post.fte))
                    post.vacant_since = -1.0
                if post.cover is not None:
                    cover, post.cover = post.cover, None
                    eng.remove_worker(cover)
                wf.posts.remove(post)


__all__ = ["Post", "WorkforceProcess", "DAYS_PER_MONTH"]
