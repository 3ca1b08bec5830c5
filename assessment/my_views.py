"""我的考核: a staff member's own monthly records (服务明星 included), their change history, the
trend, and where they lost marks in exams."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from portal.months import month_of, shift_month
from portal.organisation.selectors import profile_of
from quizzes import results

from . import charts, selectors


@login_required
def my_assessments(request):
    profile = profile_of(request.user)
    records = selectors.own_records(profile=profile) if profile else []
    attempts = results.attempts_with_losses(user=request.user)
    history = list(reversed(records))
    if profile is not None:
        # A record that still says 无考试 / 未出分 while the month's exam is open says why (only
        # this month's and last month's exams can still be open).
        recent = shift_month(month_of(timezone.now()), -1)
        for record in records:
            if record.exam_state in ("none", "pending") and record.month >= recent:
                live = selectors.live_exam_labels(profiles=[profile], month=record.month)
                record.exam_state_shown = live.get(profile.pk, record.get_exam_state_display())
    losses = selectors.total_losses(attempts)
    return render(
        request,
        "assessment/my/history.html",
        {
            "history": selectors.own_audit(profile=profile) if profile else [],
            "scheme_note": selectors.scheme_for(profile.unit).note if profile else "",
            "profile": profile,
            "records": records,
            "attempts": attempts,
            "trend_chart": charts.line_chart(
                title="我的月度得分趋势",
                labels=[f"{record.month:%Y-%m}" for record in history],
                series=[
                    ("综合得分", [record.composite for record in history]),
                    ("月度考试", [record.exam_score for record in history]),
                ],
            ),
            "loss_chart": charts.hbar_chart(
                title="近期考试失分最多的题目分类（分）",
                labels=[category for category, _ in losses],
                values=[lost for _, lost in losses],
                unit="分",
                max_value=max([lost for _, lost in losses], default=1),
                column="失分",
            ),
        },
    )
