"""Admin forms of the screens channel."""

from django import forms
from wagtail.admin.forms import WagtailAdminModelForm

from .models import NO_WEEKDAY_MESSAGE, PRESET_DAYS, WEEKDAY_CHOICES, WeekdayPreset


class DaypartForm(WagtailAdminModelForm):
    """A daypart with its weekdays as checkboxes, plus quick presets."""

    preset = forms.TypedChoiceField(
        label="快捷选择",
        choices=[("", "按下面勾选的日子")] + WeekdayPreset.choices,
        coerce=WeekdayPreset,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        help_text="每天、工作日（周一至周五）或周末（周六、周日）；选中后替代下面的勾选。"
        "法定节假日和调休不计：节假日的周一仍算工作日。",
    )
    weekdays = forms.TypedMultipleChoiceField(
        label="星期",
        choices=WEEKDAY_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="时段在哪几天生效；跨过午夜的时段算作开始那一天"
        "（周五 22:00–02:00 从周五夜里播到周六凌晨）。",
    )

    def clean(self):
        cleaned = super().clean()
        preset = cleaned.get("preset")
        if preset:
            cleaned["weekdays"] = list(PRESET_DAYS[preset])
        if "weekdays" in cleaned and not cleaned["weekdays"]:
            self.add_error("weekdays", NO_WEEKDAY_MESSAGE)
        return cleaned
