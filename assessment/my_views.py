"""我的考核: a staff member's own monthly records (服务明星 included), their change history, the
trend, and where they lost marks in exams."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from portal.organisation.selectors import profile_of
from quizzes import results

from . import charts, selectors


@login_required
def my_assessments(request):
    profile = profile_of(request.user)
    records = selectors.own_records(profile=profile) if profile else []
    attempts = results.attempts_with_losses(user=request.user)
    history = list(reversed(records))
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
