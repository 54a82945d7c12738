from django.urls import path

from notices import api

urlpatterns = [
    path("contacts/", api.ContactList.as_view(), name="api-contacts"),
    path("contacts/<int:pk>/", api.ContactDetail.as_view(), name="api-contact"),
    path("contact-groups/", api.GroupList.as_view(), name="api-contact-groups"),
    path("notices/", api.NoticeList.as_view(), name="api-notices"),
    path("notices/<int:pk>/", api.NoticeDetail.as_view(), name="api-notice"),
    path("notices/<int:pk>/resend/", api.NoticeResend.as_view(), name="api-notice-resend"),
]
