from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def incident_list(request):
    return render(request, "incidents/list.html", {})


incident_new = unit_board = metrics = responder_page = incident_list
