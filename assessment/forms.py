"""Forms for supervisors' assessment pages: uploading a filled-in sheet."""

from django import forms

from .uploads import MAX_UPLOAD_BYTES


class UploadForm(forms.Form):
    file = forms.FileField(
        label="考核数据表（.xlsx）",
        error_messages={"required": "请选择要上传的 .xlsx 文件。", "empty": "上传的文件是空的。"},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"文件太大（{upload.size / 1024 / 1024:.1f} MB），不能超过 5 MB。"
            )
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(
                "只支持 .xlsx 文件（Excel 2007 及以上）；.xls、.csv 请先在 Excel 中另存为 .xlsx。"
            )
        return upload
