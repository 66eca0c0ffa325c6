from django.db import migrations, models


class Migration(migrations.Migration):
    """ "Attività recenti" shows what the customer did: services linked, unlinked and failed
    links, data downloaded, the news consent; `detail` names the object."""

    dependencies = [
        ("accounts", "0003_staff_roles"),
    ]

    operations = [
        migrations.AddField(
            model_name="accountevent",
            name="detail",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AlterField(
            model_name="accountevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("registered", "Registrazione"),
                    ("confirmed", "Conferma dell'indirizzo e-mail"),
                    ("login", "Accesso"),
                    ("login_failed", "Tentativo di accesso non riuscito"),
                    ("logout", "Uscita"),
                    ("password_set", "Password impostata"),
                    ("password_changed", "Password modificata"),
                    ("password_reset", "Password reimpostata con il link via e-mail"),
                    ("profile_changed", "Profilo web modificato"),
                    ("email_change_requested", "Richiesto cambio di indirizzo e-mail"),
                    ("email_changed", "Indirizzo e-mail modificato"),
                    ("session_ended", "Sessione chiusa da remoto"),
                    ("otp_enabled", "Verifica in due passaggi attivata"),
                    ("otp_disabled", "Verifica in due passaggi disattivata"),
                    ("blocked", "Profilo bloccato dal Servizio Clienti"),
                    ("unblocked", "Profilo sbloccato dal Servizio Clienti"),
                    ("news_given", "Consenso a notizie e avvisi via e-mail dato"),
                    ("news_withdrawn", "Consenso a notizie e avvisi via e-mail ritirato"),
                    ("contract_linked", "Servizio collegato"),
                    ("contract_link_failed", "Aggancio servizi non riuscito"),
                    ("contract_unlinked", "Servizio scollegato"),
                    ("contract_unlinked_staff", "Servizio scollegato dal Servizio Clienti"),
                    ("data_exported", "Dati scaricati"),
                ],
                max_length=30,
            ),
        ),
    ]
