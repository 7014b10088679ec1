"""Opinion words and customer-care cues in the languages the classifier reads besides English.

What customers write to brands in French, Spanish, German, Italian, Portuguese and Arabic:
opinion words with a valence on VADER's scale (about -4..+4), the words that negate them, and
the cues of a message that needs an agent (problems, requests, questions, what it is about).
General knowledge of each language, written by hand, not learnt from any evaluation set. Words
are matched without their accents (customers often leave them out), so each is listed once.
The sentiment models use the valences as features, and the explanation names the words found.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass


def _folding() -> dict[int, str | None]:
    """Each accented Latin letter to its base letter, Arabic diacritics and tatweel to nothing,
    Arabic alef forms to bare alef, alef maqsura to ya, taa marbuta to ha."""
    table: dict[int, str | None] = {}
    for cp in range(0xC0, 0x250):
        base = unicodedata.normalize("NFD", chr(cp))
        stripped = "".join(ch for ch in base if not unicodedata.combining(ch))
        if stripped != chr(cp) and stripped:
            table[cp] = stripped
    for cp in range(0x064B, 0x0653):  # harakat
        table[cp] = None
    table.update({ord("أ"): "ا", ord("إ"): "ا", ord("آ"): "ا", ord("ى"): "ي", ord("ة"): "ه"})
    table[ord("ـ")] = None
    return table


_FOLD = _folding()


def fold(word: str) -> str:
    """``word`` lower-cased without accents, Arabic diacritics and alef forms unified."""
    word = word.lower()
    return word if word.isascii() else word.translate(_FOLD)


@dataclass(frozen=True)
class Language:
    """One language's word lists, folded (see ``fold``)."""

    code: str
    name: str
    valences: dict[str, float]
    negations: frozenset[str]
    problems: frozenset[str]
    problem_phrases: re.Pattern[str]
    requests: re.Pattern[str]
    questions: frozenset[str]
    objects: frozenset[str]
    second_person: frozenset[str]
    time_words: frozenset[str]
    praise: frozenset[str]


def _valences(positive: str, negative: str) -> dict[str, float]:
    """Words as ``word`` (valence 2.0) or ``word:valence``, positive ones first."""
    out: dict[str, float] = {}
    for sign, block in ((1.0, positive), (-1.0, negative)):
        for item in block.split():
            word, _, value = item.partition(":")
            out[fold(word.replace("_", " "))] = sign * (float(value) if value else 2.0)
    return out


def _set(text: str) -> frozenset[str]:
    return frozenset(fold(w.replace("_", " ")) for w in text.split())


def _pattern(phrases: str) -> re.Pattern[str]:
    """Phrases separated by ``|`` as whole words, folded."""
    parts = [re.escape(fold(p.strip())).replace(r"\ ", r"\s+") for p in phrases.split("|")]
    return re.compile(r"(?<!\w)(?:" + "|".join(p for p in parts if p) + r")(?!\w)")


def _language(code: str, name: str, **lists: str) -> Language:
    return Language(
        code=code,
        name=name,
        valences=_valences(lists["positive"], lists["negative"]),
        negations=_set(lists["negations"]),
        problems=_set(lists["problems"]),
        problem_phrases=_pattern(lists["problem_phrases"]),
        requests=_pattern(lists["requests"]),
        questions=_set(lists["questions"]),
        objects=_set(lists["objects"]),
        second_person=_set(lists["second_person"]),
        time_words=_set(lists["time_words"]),
        praise=_set(lists["praise"]),
    )


FRENCH = _language(
    "fr",
    "French",
    positive="""génial:3 géniale:3 géniaux:3 super:2.5 excellent:3 excellente:3 parfait:3
        parfaite:3 top:2 bravo:2.5 merci:1.5 content:2 contente:2 contents:2 heureux:2.5
        heureuse:2.5 ravi:2.5 ravie:2.5 adore:3 j'adore:3 aime:2 j'aime:2 bien:1.2 bon:1.5
        bonne:1.5 meilleur:2 meilleure:2 magnifique:3 formidable:3 sympa:2 efficace:2
        rapide:1.5 agréable:2 incroyable:2.5 cool:2 merveilleux:3 merveilleuse:3 satisfait:2
        satisfaite:2 impeccable:2.5 joli:2 jolie:2 beau:2 belle:2 chouette:2 bienvenue:1.5
        félicitations:2.5 plaisir:2 aimable:2 réactif:2 réactive:2 fier:1.5 fière:1.5 mdr:1
        trop_bien:2.5 pratique:1.5 utile:1.5 gentil:2 gentille:2 gagné:1.5 bonheur:3
        extra:2 nickel:2.5 génialissime:3 love:2""",
    negative="""cassé:2 cassée:2 cassés:2 cassées:2 honteux:3 honteuse:3 honte:3 nul:2.5 nulle:2.5
        nuls:2.5 mauvais:2.5 mauvaise:2.5 horrible:3 inadmissible:3 scandaleux:3
        scandaleuse:3 scandale:3 arnaque:3 arnaqué:3 voleurs:3 déçu:2.5 déçue:2.5 déçus:2.5
        déception:2.5 décevant:2.5 lamentable:3 pire:3 catastrophe:3 catastrophique:3
        problème:1.5 problèmes:1.5 panne:2 bug:1.5 bugs:1.5 retard:1.5 attente:1 marre:2.5
        énervé:2.5 énervée:2.5 colère:2.5 furieux:3 furieuse:3 inacceptable:3 triste:2
        dommage:1.5 galère:2 bloqué:1.5 bloquée:1.5 perdu:1.5 perdue:1.5 endommagé:2
        endommagée:2 défectueux:2.5 défectueuse:2.5 incompétents:3 incompétent:3 mépris:2.5
        jamais:1 pénible:2 ridicule:2.5 abusé:2 abusif:2.5 merde:3 putain:2.5 chiant:2.5
        chiante:2.5 débile:2.5 peur:1.5 mort:2 morts:2 guerre:2 attentat:3 crise:1.5
        inquiet:1.5 inquiète:1.5 grave:1.5 faux:1.5 fausse:1.5 menteurs:3 lent:1.5 lente:1.5
        plainte:1.5 remboursez:1 cher:1 hors_service:2 injoignable:2.5 impossible:1.5""",
    negations="ne pas n' jamais aucun aucune rien sans plus ni personne",
    problems="""cassé cassée cassés cassées panne problème problèmes bug bugs bloqué bloquée
        erreur retard perdu perdue endommagé endommagée défectueux défectueuse marche fonctionne
        impossible annulé annulée débité débitée prélevé prélevée facturé facturée manquant
        manquante jamais reçu reçue arnaque plainte réclamation coupé coupée coupure injoignable
        rembourser remboursement attente plante planté plantée""",
    problem_phrases="""toujours pas | toujours rien | pas de réponse | aucune réponse |
        ne marche pas | marche pas | ne fonctionne pas | fonctionne pas | pas reçu | jamais reçu |
        pas encore reçu | en attente | hors service | pas livré | jamais arrivé | ne répond pas |
        personne ne répond | deux fois | mauvais article | mauvaise taille""",
    requests="""pouvez-vous | pouvez vous | pourriez-vous | pourriez vous | merci de | svp |
        s'il vous plaît | s'il vous plait | aidez-moi | aidez moi | besoin d'aide | j'aimerais |
        je voudrais | je souhaite | rappelez-moi | contactez-moi | remboursez | rembourser""",
    questions="""pourquoi comment quand où combien quel quelle quels quelles qui est-ce
        est-ce_que""",
    objects="""commande colis livraison remboursement compte facture écran téléphone carte
        abonnement produit article paiement vol billet réservation box internet wifi forfait
        application appli site mot colis livreur service client magasin retour adresse""",
    second_person="vous votre vos tu ton ta tes toi",
    time_words="""jours semaines semaine mois heures heure hier toujours encore depuis
        attends attend""",
    praise="""merci génial géniale super excellent parfait bravo top adore formidable
        magnifique""",
)

SPANISH = _language(
    "es",
    "Spanish",
    positive="""genial:3 excelente:3 perfecto:3 perfecta:3 bueno:1.5 buena:1.5 buenísimo:3
        gracias:1.5 encanta:3 encantan:3 encantado:2.5 encantada:2.5 feliz:2.5 felices:2.5
        contento:2 contenta:2 mejor:2 increíble:2.5 maravilloso:3 maravillosa:3 bien:1.2
        estupendo:3 estupenda:3 fantástico:3 fantástica:3 guapo:2 guapa:2 bonito:2 bonita:2
        lindo:2 linda:2 amo:3 amor:2.5 gusta:2 rápido:1.5 rápida:1.5 eficaz:2 amable:2
        felicidades:2.5 enhorabuena:2.5 jaja:1 jajaja:1 jajajaja:1 divertido:2 crack:2
        brutal:2 top:2 éxito:2 orgullo:2 alegría:2.5 satisfecho:2 satisfecha:2 útil:1.5
        chévere:2.5 bacán:2.5 love:2""",
    negative="""roto:2 rota:2 rotos:2 vergüenza:3 vergonzoso:3 malo:2.5 mala:2.5 pésimo:3
        pésima:3 horrible:3 fatal:3 peor:3 estafa:3 estafadores:3 ladrones:3 decepción:2.5
        decepcionado:2.5 decepcionada:2.5 problema:1.5 problemas:1.5 error:1.5 retraso:1.5
        harto:2.5 harta:2.5 hartos:2.5 asco:3 odio:3 triste:2 tristeza:2 enfadado:2.5
        enfadada:2.5 indignante:3 inaceptable:3 lamentable:3 desastre:3 basura:3 mierda:3
        nunca:1 muerte:2 muertos:2 guerra:2 miedo:2 crisis:1.5 peligro:2 dañado:2 dañada:2
        defectuoso:2.5 defectuosa:2.5 perdido:1.5 perdida:1.5 caído:1.5 caída:1.5 lento:1.5
        lenta:1.5 incompetentes:3 mentira:2.5 mentirosos:3 ridículo:2.5 queja:1.5
        reclamación:1.5 robo:3 preocupado:1.5 preocupada:1.5 mal:2 culpa:1.5 dolor:2""",
    negations="no nunca jamás nada ningún ninguna ninguno sin ni tampoco",
    problems="""roto rota rotos problema problemas error retraso perdido perdida dañado dañada
        defectuoso defectuosa funciona caído caída cancelado cancelada cobrado cobrada cobro
        falta reembolso devolución estafa queja reclamación cortado cortada llegado llegó
        bloqueado bloqueada imposible""",
    problem_phrases="""todavía no | aún no | sigo esperando | sin respuesta | no funciona |
        no me llega | no ha llegado | no llegó | no recibí | nadie responde | nadie contesta |
        dos veces | fuera de servicio | sin servicio | sin internet | no puedo""",
    requests="""pueden | podrían | podéis | por favor | porfa | ayúdenme | necesito ayuda |
        necesito | quiero | quisiera | me gustaría | devuélvanme | llámenme | contáctenme |
        cómo puedo""",
    questions="por qué cómo cuándo dónde cuánto cuánta qué cuál quién porqué",
    objects="""pedido paquete envío entrega reembolso cuenta factura pantalla teléfono móvil
        celular tarjeta suscripción producto artículo pago vuelo billete boleto reserva
        internet wifi tarifa aplicación app web servicio tienda devolución línea contraseña
        dirección""",
    second_person="ustedes usted su sus tu tus te vosotros vuestro vuestra",
    time_words="""días semanas semana meses horas hora ayer todavía aún desde esperando
        sigo""",
    praise="gracias genial excelente perfecto encanta increíble maravilloso estupendo fantástico",
)

GERMAN = _language(
    "de",
    "German",
    positive="""danke:1.5 super:2.5 toll:2.5 tolle:2.5 toller:2.5 klasse:2.5 prima:2.5
        perfekt:3 gut:1.5 gute:1.5 guter:1.5 gutes:1.5 sehr_gut:2.5 besser:1.5 beste:2.5
        besten:2.5 genial:3 geil:2.5 großartig:3 wunderbar:3 wunderschön:3 schön:2 schöne:2
        liebe:2.5 lieben:2.5 freue:2.5 freude:2.5 froh:2 glücklich:2.5 zufrieden:2 spitze:2.5
        hammer:2 cool:2 nett:2 freundlich:2 schnell:1.5 hilfreich:2 danke_schön:2 vielen_dank:2
        herzlichen:1.5 glückwunsch:2.5 gratulation:2.5 lustig:1.5 haha:1 hahaha:1 empfehlen:2
        top:2 love:2""",
    negative="""kaputt:2.5 defekt:2.5 beschädigt:2 schlecht:2.5 schlechte:2.5 schlechter:2.5
        schlechteste:3 mies:2.5 miserabel:3 furchtbar:3 schrecklich:3 katastrophe:3
        katastrophal:3 unverschämt:3 unverschämtheit:3 frechheit:3 skandal:3 schande:3
        enttäuscht:2.5 enttäuschung:2.5 ärgerlich:2.5 ärger:2 sauer:2.5 wütend:3 traurig:2
        leider:1 problem:1.5 probleme:1.5 fehler:1.5 störung:2 verspätung:1.5 verspätet:1.5
        nie:1 niemals:1.5 scheiße:3 scheisse:3 mist:2.5 nervig:2.5 nervt:2.5 peinlich:2.5
        lächerlich:2.5 betrug:3 betrüger:3 abzocke:3 unmöglich:2 inakzeptabel:3 tot:2
        tote:2 krieg:2 angst:2 krise:1.5 gefahr:2 verloren:1.5 langsam:1.5 hass:3 hasse:3
        beschwerde:1.5 unfähig:3 lüge:2.5 lügen:2.5 sorge:1.5 sorgen:1.5 falsch:1.5
        falsche:1.5 blöd:2 doof:2""",
    negations="nicht kein keine keinen keinem keiner nie niemals nichts ohne weder noch_nicht",
    problems="""kaputt defekt beschädigt problem probleme fehler störung verspätung verspätet
        stürzt abgestürzt absturz
        verloren storniert abgebucht funktioniert geht erstattung rückerstattung betrug
        beschwerde gesperrt ausgefallen unmöglich fehlt fehlen""",
    problem_phrases="""immer noch nicht | noch immer nicht | noch nicht | keine antwort |
        funktioniert nicht | geht nicht | nicht angekommen | nie angekommen | nicht erhalten |
        nicht geliefert | niemand antwortet | zweimal abgebucht | doppelt abgebucht |
        kein internet | kein netz""",
    requests="""können sie | könnten sie | könnt ihr | bitte | helfen sie | hilfe | brauche |
        ich möchte | ich hätte gern | ich will | rufen sie | melden sie sich | erstatten""",
    questions="warum wieso weshalb wie wann wo wieviel wie_viel was welche welcher wer",
    objects="""bestellung paket lieferung sendung rückerstattung konto rechnung bildschirm
        display handy telefon karte abo vertrag produkt artikel zahlung flug ticket buchung
        internet wlan tarif app webseite kundenservice service laden router zug passwort
        adresse""",
    second_person="sie ihr ihre ihren ihrem euch euer eure du dein deine dich dir",
    time_words="tage tagen wochen woche monate monaten stunden stunde gestern immer noch seit",
    praise="danke super toll klasse perfekt genial großartig wunderbar spitze",
)

ITALIAN = _language(
    "it",
    "Italian",
    positive="""grazie:1.5 ottimo:3 ottima:3 perfetto:3 perfetta:3 bello:2 bella:2 bellissimo:3
        bellissima:3 bravo:2.5 brava:2.5 bravi:2.5 fantastico:3 fantastica:3 meraviglioso:3
        meravigliosa:3 felice:2.5 felici:2.5 contento:2 contenta:2 migliore:2 buono:1.5
        buona:1.5 bene:1.2 benissimo:3 adoro:3 amo:3 amore:2.5 piace:2 grande:1.5 grandi:1.5
        super:2.5 top:2 splendido:3 splendida:3 gentile:2 gentilissimi:3 veloce:1.5 utile:1.5
        complimenti:2.5 auguri:2 divertente:2 incredibile:2.5 orgoglioso:2 orgogliosa:2
        soddisfatto:2 soddisfatta:2 stupendo:3 stupenda:3 haha:1 ahah:1 ahahah:1 love:2""",
    negative="""rotto:2 rotta:2 rotti:2 vergogna:3 vergognoso:3 pessimo:3 pessima:3 brutto:2.5
        brutta:2.5 orribile:3 schifo:3 peggio:3 peggiore:3 truffa:3 truffatori:3 ladri:3
        delusione:2.5 deluso:2.5 delusa:2.5 problema:1.5 problemi:1.5 errore:1.5 ritardo:1.5
        stufo:2.5 stufa:2.5 odio:3 triste:2 arrabbiato:2.5 arrabbiata:2.5 inaccettabile:3
        vergognatevi:3 disastro:3 merda:3 cazzo:2.5 mai:1 morte:2 morti:2 guerra:2 paura:2
        crisi:1.5 pericolo:2 danneggiato:2 danneggiata:2 difettoso:2.5 difettosa:2.5 perso:1.5
        persa:1.5 lento:1.5 lenta:1.5 incompetenti:3 bugia:2.5 bugiardi:3 ridicolo:2.5
        reclamo:1.5 purtroppo:1 preoccupato:1.5 male:2 dolore:2 assurdo:2.5 vergognosa:3""",
    negations="non mai niente nulla nessun nessuna nessuno senza né neanche nemmeno",
    problems="""rotto rotta rotti problema problemi errore ritardo perso persa danneggiato
        danneggiata difettoso difettosa funziona annullato annullata addebitato addebitata
        manca mancante rimborso reso truffa reclamo bloccato bloccata arrivato arrivata
        impossibile""",
    problem_phrases="""ancora niente | ancora non | non ancora | nessuna risposta | non funziona |
        non è arrivato | non è arrivata | mai arrivato | non ho ricevuto | nessuno risponde |
        due volte | fuori servizio | senza linea | senza internet | non riesco""",
    requests="""potete | potreste | per favore | per piacere | aiutatemi | aiuto | ho bisogno |
        vorrei | voglio | mi piacerebbe | rimborsatemi | richiamatemi | contattatemi""",
    questions="perché come quando dove quanto quanta quale quali chi cosa",
    objects="""ordine pacco spedizione consegna rimborso account conto fattura bolletta
        schermo telefono cellulare carta abbonamento prodotto articolo pagamento volo biglietto
        prenotazione internet wifi offerta app sito servizio negozio linea modem password
        indirizzo""",
    second_person="voi vostro vostra vostri vostre tu tuo tua ti lei",
    time_words="giorni settimane settimana mesi ore ora ieri ancora sempre da aspetto",
    praise="grazie ottimo perfetto fantastico bravi complimenti stupendo bellissimo",
)

PORTUGUESE = _language(
    "pt",
    "Portuguese",
    positive="""obrigado:1.5 obrigada:1.5 ótimo:3 ótima:3 excelente:3 perfeito:3 perfeita:3
        bom:1.5 boa:1.5 maravilhoso:3 maravilhosa:3 incrível:2.5 feliz:2.5 felizes:2.5
        contente:2 melhor:2 lindo:2.5 linda:2.5 amo:3 amei:3 adoro:3 adorei:3 amor:2.5
        gosto:2 legal:2 massa:2 top:2 demais:1.5 parabéns:2.5 sucesso:2 rápido:1.5
        rápida:1.5 gentil:2 bem:1.2 show:2 sensacional:3 fantástico:3 fantástica:3
        divertido:2 kkk:1 kkkk:1 kkkkk:1 haha:1 rs:0.8 rsrs:1 satisfeito:2 satisfeita:2
        orgulho:2 alegria:2.5 love:2""",
    negative="""quebrado:2 quebrada:2 vergonha:3 ridículo:2.5 ruim:2.5 péssimo:3 péssima:3
        horrível:3 pior:3 golpe:3 ladrões:3 decepção:2.5 decepcionado:2.5 decepcionada:2.5
        problema:1.5 problemas:1.5 erro:1.5 atraso:1.5 atrasado:1.5 atrasada:1.5 cansado:2
        cansada:2 ódio:3 odeio:3 triste:2 tristeza:2 raiva:2.5 irritado:2.5 irritada:2.5
        inaceitável:3 absurdo:2.5 lixo:3 merda:3 porra:2.5 nunca:1 morte:2 mortos:2
        guerra:2 medo:2 crise:1.5 perigo:2 danificado:2 danificada:2 defeito:2.5
        defeituoso:2.5 perdido:1.5 perdida:1.5 lento:1.5 lenta:1.5 incompetentes:3
        mentira:2.5 mentirosos:3 reclamação:1.5 roubo:3 preocupado:1.5 preocupada:1.5
        mal:2 dor:2 chato:2 chata:2 saco:2 desrespeito:3 descaso:3""",
    negations="não nao nunca jamais nada nenhum nenhuma sem nem tampouco",
    problems="""quebrado quebrada problema problemas erro atraso atrasado atrasada perdido
        perdida danificado danificada defeito defeituoso funciona cancelado cancelada cobrado
        cobrada cobrança falta reembolso estorno devolução golpe reclamação bloqueado
        bloqueada chegou recebi impossível caiu""",
    problem_phrases="""ainda não | até agora nada | sem resposta | não funciona | não chegou |
        nunca chegou | não recebi | ninguém responde | duas vezes | fora do ar | sem sinal |
        sem internet | não consigo""",
    requests="""podem | poderiam | por favor | pfv | pf | me ajudem | ajuda | preciso |
        quero | queria | gostaria | me liguem | entrem em contato | devolvam""",
    questions="por que porque porquê como quando onde quanto quanta qual quais quem cadê",
    objects="""pedido encomenda pacote entrega envio reembolso conta fatura boleto tela
        celular telefone cartão assinatura produto compra pagamento voo passagem reserva
        internet wifi plano aplicativo app site serviço loja linha sinal senha endereço""",
    second_person="vocês você vcs vc seu sua seus suas tu teu tua te",
    time_words="dias semanas semana meses horas hora ontem ainda desde esperando",
    praise="obrigado obrigada ótimo excelente perfeito parabéns maravilhoso amei adorei",
)

ARABIC = _language(
    "ar",
    "Arabic",
    positive="""شكرا:1.5 شكراً:1.5 ممتاز:3 ممتازة:3 رائع:3 رائعة:3 جميل:2 جميلة:2 حلو:2 حلوة:2
        جيد:1.5 جيدة:1.5 أفضل:2 احسن:2 أحسن:2 سعيد:2.5 سعيدة:2.5 فرح:2.5 الحمدلله:1.5
        الحمد:1.5 مبروك:2.5 حب:2.5 احب:2.5 أحب:2.5 أحبك:2.5 تسلم:2 يسلمو:2 بارك:1.5 مبدع:3
        ابداع:3 إبداع:3 روعة:3 نجاح:2 فخر:2 عظيم:3 عظيمة:3 سريع:1.5 لطيف:2 خير:1.5
        هههه:1 ههههه:1 هههههه:1 جزاك:2 ماشاءالله:2 تبارك:2""",
    negative="""سيء:2.5 سيئ:2.5 سيئة:2.5 أسوأ:3 اسوأ:3 زفت:3 فاشل:3 فاشلة:3 فشل:2.5 مشكلة:1.5
        مشكله:1.5 مشاكل:1.5 خطأ:1.5 غلط:1.5 تأخير:1.5 تاخير:1.5 متأخر:1.5 معطل:2 خربان:2.5
        مكسور:2 مكسورة:2 حرام:2.5 عيب:2.5 فضيحة:3 نصب:3 حرامية:3 سرقة:3 حزين:2 حزينة:2
        زعلان:2 غضب:2.5 قرف:3 مقرف:3 كارثة:3 للأسف:1.5 للاسف:1.5 موت:2 قتل:3 قتلى:3
        حرب:2 خوف:2 أزمة:1.5 ازمة:1.5 خطر:2 ظلم:3 كذب:2.5 كذاب:3 بطيء:1.5 بطء:1.5
        ضعيف:1.5 شكوى:1.5 تعبت:2 مهزلة:3 وسخ:3 تفاهة:2.5 استشهاد:2 شهداء:1.5 إرهاب:3
        ارهاب:3 دمار:3""",
    negations="لا لم لن ما مش مو ليس ليست بدون غير ولا",
    problems="""مشكلة مشكله مشاكل خطأ تأخير تاخير متأخر معطل خربان مكسور مكسورة عطل انقطاع
        مقطوع ملغي إلغاء الغاء استرجاع استرداد خصم شكوى نصب وصل يوصل يشتغل""",
    problem_phrases="""لم يصل | ما وصل | ما وصلني | لم يتم | لا يعمل | ما يشتغل | مو شغال |
        بدون رد | ما في رد | لا يوجد رد | مرتين""",
    requests="""ممكن | أرجو | ارجو | الرجاء | رجاء | لو سمحت | من فضلك | ساعدوني | اريد |
        أريد | ابغى | أبغى | ابي | احتاج | أحتاج""",
    questions="لماذا ليش ليه كيف متى وين أين اين كم ماذا شو ايش هل",
    objects="""طلب طلبي الطلب شحنة الشحنة توصيل التوصيل حساب حسابي فاتورة الفاتورة شاشة
        جوال الجوال هاتف بطاقة اشتراك منتج المنتج دفع رحلة تذكرة حجز الحجز انترنت النت
        الانترنت باقة تطبيق التطبيق موقع خدمة الخدمة""",
    second_person="انتم أنتم انت أنت كم عندكم لكم منكم",
    time_words="ايام أيام اسبوع أسبوع اسابيع شهر ساعات ساعة امس أمس للحين لسه مازال",
    praise="شكرا ممتاز رائع مبدع روعة يسلمو تسلم",
)

LANGUAGES: dict[str, Language] = {
    lang.code: lang for lang in (FRENCH, SPANISH, GERMAN, ITALIAN, PORTUGUESE, ARABIC)
}


@dataclass(frozen=True)
class Opinion:
    """What a language's lexicon finds in a text: a score on VADER's compound scale (-1..1),
    the positive and negative sums as scores of their own, the opinion words as written with
    their valences (strongest first), and the first problem phrase."""

    score: float
    positive: float
    negative: float
    words: tuple[tuple[str, float], ...]
    problem: str | None


NEGATED = -0.74
"""VADER's factor for a word after a negation."""
_EMPTY: dict[str, float] = {}


def compound(total: float) -> float:
    """VADER's squashing of a valence sum into -1..1."""
    return float(total / math.sqrt(total * total + 15.0))


def opinion(
    language: Language | None,
    words: list[str],
    lowered: str,
    emoji: dict[str, float],
    clauses: list[int] | None = None,
) -> Opinion:
    """The lexicon's opinion of a text whose lower-cased words are ``words`` (as written),
    its lower-cased text ``lowered`` and its emoji's valences ``emoji`` (one per occurrence);
    ``clauses``: the clause of each word (a negation reaches the three words after it in its
    clause)."""
    valences = language.valences if language is not None else _EMPTY
    negations = language.negations if language is not None else frozenset()
    folded = [fold(w) for w in words] if valences else []
    found: list[tuple[str, float]] = []
    for i, word in enumerate(folded):
        value = valences.get(word)
        if value is None and i:
            value = valences.get(folded[i - 1] + " " + word)
        if value is None:
            continue
        if any(
            folded[j] in negations and (clauses is None or clauses[j] == clauses[i])
            for j in range(max(0, i - 3), i)
        ):
            value *= NEGATED
        found.append((words[i], value))
    found += list(emoji.items())
    positive = sum(v for _, v in found if v > 0)
    negative = sum(v for _, v in found if v < 0)
    found.sort(key=lambda item: -abs(item[1]))
    problem = None
    if language is not None:
        match = language.problem_phrases.search(fold(lowered))
        problem = match.group() if match else None
    return Opinion(
        compound(positive + negative),
        compound(positive),
        compound(negative),
        tuple(found),
        problem,
    )
