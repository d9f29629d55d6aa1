// Atende Painel: one small script, no framework, no build step. Everything the server sends is shown with
// textContent (never as HTML), so a customer's "<script>" is just text. The session is an HttpOnly cookie; the CSRF
// token lives in this page's memory only (never in the browser's storage or a URL).
'use strict';
(function () {
  var DIAS = [['mon', 'Seg'], ['tue', 'Ter'], ['wed', 'Qua'], ['thu', 'Qui'], ['fri', 'Sex'], ['sat', 'Sáb'], ['sun', 'Dom']];
  var ESTADOS = { waiting: 'aguardando IA', answering: 'respondendo', idle: 'com o robô', opted_out: 'opt-out' };
  var MOTIVOS = { customer: 'pediu atendente', operator: 'pausada pelo celular', admin: 'pausada pelo painel' };
  var POLL_MS = 5000;
  var s = { pedido: 0, me: null, filtro: 'atendente', numero: '', pagina: 1, vista: null, conversa: null, unmask: false,
    perfil: null, etag: null, instancia: null, instancias: null };

  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function limpar(e) { while (e.firstChild) { e.removeChild(e.firstChild); } }
  function mostrar(e, sim) { e.hidden = !sim; }
  function aviso(texto) {
    var a = $('aviso');
    a.textContent = texto || '';
    mostrar(a, !!texto);
  }

  function api(method, path, body, extra) {
    var headers = { 'Accept': 'application/json' };
    if (method !== 'GET' && s.me) { headers['X-CSRF-Token'] = s.me.csrf; }
    if (body !== undefined) { headers['Content-Type'] = 'application/json'; }
    Object.keys(extra || {}).forEach(function (k) { headers[k] = extra[k]; });
    return fetch(path, { method: method, headers: headers, credentials: 'same-origin', cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body) })
      .then(function (r) {
        return r.text().then(function (t) {
          var json = null;
          try { json = t ? JSON.parse(t) : null; } catch (e) { json = null; }
          if (r.status === 401 && path !== '/painel/api/login') { sair(true); }
          return { status: r.status, json: json, etag: r.headers.get('ETag'), retry: r.headers.get('Retry-After') };
        });
      }, function () { return { status: 0, json: null }; });
  }

  function duracao(seg) {
    seg = Math.max(0, Math.round(seg));
    if (seg < 60) { return seg + ' s'; }
    var min = Math.floor(seg / 60);
    if (min < 60) { return min + ' min'; }
    var h = Math.floor(min / 60);
    if (h < 48) { return h + ' h ' + String(min % 60).padStart(2, '0') + ' min'; }
    return Math.floor(h / 24) + ' dias';
  }
  function desde(iso) { return iso ? (Date.now() - Date.parse(iso)) / 1000 : 0; }
  // An outbound message's delivery state, as the owner reads it (unknown ones as the API gives them).
  var ENVIOS = { ready: 'na fila', sending: 'enviando', sent: 'enviada', failed: 'falhou', withheld: 'retida', dead: 'não enviada' };
  function situacaoDoEnvio(status) { return ENVIOS[status] || status || ''; }
  function hora(iso) {
    if (!iso) { return ''; }
    var d = new Date(iso);
    return d.toLocaleString('pt-BR', { day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit' });
  }
  function estadoTexto(c) {
    if (c.state === 'human' && c.human) { return MOTIVOS[c.human.reason] || 'com atendente'; }
    return ESTADOS[c.state] || c.state;
  }

  // ------------------------------------------------------------------ sessão

  function entrar(ev) {
    ev.preventDefault();
    var erro = $('erro-entrar');
    erro.textContent = '';
    api('POST', '/painel/api/login', { token: $('token').value }).then(function (r) {
      $('token').value = '';
      if (r.status === 200) { comecar(r.json); return; }
      erro.textContent = r.status === 429 ? 'Muitas tentativas. Tente de novo em ' + (r.retry || '60') + ' s.'
        : r.status === 401 ? 'Token inválido.' : 'Não foi possível entrar agora.';
    });
  }

  function sair(expirou) {
    if (!s.me) { telaEntrar(); return; }
    if (expirou) { telaEntrar(); aviso('Sua sessão terminou. Entre de novo.'); return; }
    api('POST', '/painel/api/logout').then(function () { telaEntrar(); aviso('Você saiu.'); });
  }

  function telaEntrar() {
    s.me = null;
    s.instancias = null;
    s.instancia = null;
    s.numero = '';
    var c = $('c-numero');
    while (c.options.length > 1) { c.remove(1); }
    limpar($('n-numero'));
    mostrar($('abas'), false);
    mostrar($('sair'), false);
    $('quem').textContent = '';
    trocar('entrar');
  }

  function comecar(me) {
    s.me = me;
    aviso('');
    $('quem').textContent = me.role === 'admin' ? 'Administrador' : 'Atendente · ' + me.instance;
    mostrar($('abas'), true);
    mostrar($('sair'), true);
    document.querySelectorAll('.so-admin').forEach(function (e) { mostrar(e, me.role === 'admin'); });
    instancias();
    if (!location.hash || location.hash === '#/' || location.hash === '#/entrar') { location.hash = '#/conversas'; }
    else { rota(); }
  }

  // ------------------------------------------------------------------ navegação

  function trocar(vista) {
    s.vista = vista;
    document.querySelectorAll('.vista').forEach(function (v) { mostrar(v, v.id === 'v-' + vista); });
    document.querySelectorAll('#abas a').forEach(function (a) {
      var ativa = a.getAttribute('data-aba') === vista || (vista === 'conversa' && a.getAttribute('data-aba') === 'conversas');
      a.classList.toggle('ativa', ativa);
    });
  }

  function rota() {
    if (!s.me) { return; }
    var partes = location.hash.replace(/^#\/?/, '').split('/');
    var nome = partes[0] || 'conversas';
    if (nome === 'conversa' && partes[1]) { trocar('conversa'); s.conversa = partes[1]; s.unmask = false; carregarConversa(); }
    else if (nome === 'numero') { trocar('numero'); abrirNumero(partes[1] ? decodeURIComponent(partes[1]) : null); }
    else if (nome === 'saude') { trocar('saude'); carregarSaude(); }
    else { trocar('conversas'); carregarLista(); }
  }

  function atualizar() {
    if (!s.me || document.visibilityState !== 'visible') { return; }
    if (s.vista === 'conversas') { carregarLista(); }
    else if (s.vista === 'conversa') { carregarConversa(); }
    else if (s.vista === 'saude') { carregarSaude(); }
  }

  function instancias() {
    if (s.instancias) { return Promise.resolve(s.instancias); }
    return api('GET', '/painel/api/instances').then(function (r) {
      s.instancias = r.status === 200 ? r.json.map(function (i) { return i.instance; }) : [];
      ['c-numero', 'n-numero'].forEach(function (id) {
        var sel = $(id);
        s.instancias.forEach(function (nome) { var o = el('option', null, nome); o.value = nome; sel.appendChild(o); });
      });
      return s.instancias;
    });
  }

  // ------------------------------------------------------------------ Conversas

  function carregarLista() {
    document.querySelectorAll('[data-filtro]').forEach(function (b) {
      b.classList.toggle('ativo', b.getAttribute('data-filtro') === s.filtro);
    });
    var q = '?filter=' + encodeURIComponent(s.filtro) + (s.numero ? '&instance=' + encodeURIComponent(s.numero) : '')
      + (s.pagina > 1 ? '&page=' + s.pagina : '');
    var pedido = ++s.pedido;
    api('GET', '/painel/api/conversations' + q).then(function (r) {
      if (pedido !== s.pedido || r.status !== 200) { return; } // a later filter's answer wins
      var itens = r.json.items;
      var ul = $('lista');
      limpar(ul);
      itens.forEach(function (c) { ul.appendChild(item(c)); });
      mostrar($('lista-vazia'), itens.length === 0);
      mostrar($('mais'), !!r.json.hasMore);
    });
  }

  function item(c) {
    var li = el('li');
    var a = el('a');
    a.href = '#/conversa/' + encodeURIComponent(c.id);
    var nome = el('div', 'nome', c.pushName || c.contact);
    var selo = el('span', 'selo ' + (c.state || 'human'), c.state ? estadoTexto(c) : MOTIVOS.customer);
    nome.appendChild(selo);
    a.appendChild(nome);
    var meta = [c.contact];
    if (s.me.role === 'admin') { meta.push(c.instance); }
    a.appendChild(el('div', 'meta', meta.join(' · ')));
    var espera = null;
    if (c.waitingSeconds !== undefined) {
      espera = c.operatorAnswered ? 'atendente já respondeu' : 'esperando há ' + duracao(c.waitingSeconds) + ' (no horário)';
    } else if (c.state === 'waiting' && c.waitingSince) {
      espera = 'esperando há ' + duracao(desde(c.waitingSince));
    } else if (c.state === 'human' && c.human) {
      espera = 'robô volta em ' + duracao(c.human.secondsLeft);
    }
    if (espera) { a.appendChild(el('div', 'espera', espera)); }
    li.appendChild(a);
    return li;
  }

  // ------------------------------------------------------------------ Conversa

  function carregarConversa() {
    var id = s.conversa;
    api('GET', '/painel/api/conversations/' + encodeURIComponent(id) + (s.unmask ? '?unmask=true' : '')).then(function (r) {
      if (id !== s.conversa) { return; }
      if (r.status === 404) { aviso('Conversa não encontrada.'); return; }
      if (r.status !== 200) { return; }
      cabecalho(r.json.conversation);
      var ol = $('mensagens');
      limpar(ol);
      r.json.messages.forEach(function (m) {
        var li = el('li', m.direction === 'out' ? 'out' : 'in');
        li.appendChild(document.createTextNode(m.text !== null && m.text !== undefined ? m.text : '[' + m.kind + ']'));
        li.appendChild(el('span', 'hora', hora(m.at) + (m.direction === 'out' ? ' · ' + situacaoDoEnvio(m.status) : '')));
        ol.appendChild(li);
      });
    });
  }

  function cabecalho(c) {
    $('cv-nome').textContent = c.pushName || c.contact;
    $('cv-contato').textContent = c.contact;
    $('cv-numero').textContent = c.instance;
    var texto = 'Situação: ' + estadoTexto(c);
    if (c.state === 'human' && c.human) {
      texto += ' · robô volta em ' + duracao(c.human.secondsLeft) + ' (' + hora(c.human.until) + ')';
    }
    $('cv-estado').textContent = texto;
    $('cv-retomar').disabled = c.state !== 'human';
    $('cv-pausar').textContent = c.state === 'human' ? 'Estender pausa' : 'Assumir conversa';
  }

  function acao(tipo) {
    var corpo;
    if (tipo === 'pause' && $('cv-minutos').value) { corpo = { minutes: Number($('cv-minutos').value) }; }
    api('POST', '/painel/api/conversations/' + encodeURIComponent(s.conversa) + '/' + tipo, corpo).then(function (r) {
      if (r.status === 200) {
        cabecalho(r.json);
        aviso(tipo === 'pause' ? 'Conversa pausada: o robô não responde até a pausa acabar.' : 'O robô voltou a responder.');
        carregarConversa();
      } else {
        aviso(r.json && r.json.detail ? r.json.detail : 'Não foi possível agora.');
      }
    });
  }

  // ------------------------------------------------------------------ Número

  function abrirNumero(nome) {
    instancias().then(function (lista) {
      var alvo = s.me.role === 'admin' ? (nome || s.instancia || lista[0]) : s.me.instance;
      if (!alvo) { aviso('Nenhum número conhecido ainda.'); return; }
      s.instancia = alvo;
      $('n-numero').value = alvo;
      limparErros();
      $('t-resposta').textContent = '';
      api('GET', '/painel/api/instances/' + encodeURIComponent(alvo)).then(function (r) {
        if (r.status !== 200) { aviso('Número não encontrado.'); return; }
        s.etag = r.etag;
        s.perfil = r.json;
        preencher(r.json);
      });
    });
  }

  function preencher(p) {
    var h = p.hours || {};
    $('n-displayName').value = p.displayName || '';
    $('n-systemPrompt').value = p.systemPrompt || '';
    $('n-facts').value = p.facts || '';
    $('n-timeZone').value = h.timeZone || '';
    $('n-holidays').value = (h.holidays || []).join(', ');
    $('n-policy').value = h.outOfHoursPolicy || '';
    DIAS.forEach(function (d) {
      var dia = $('n-dia-' + d[0]);
      dia.value = ((h.weekly || {})[d[0]] || []).join(', ');
      // without any weekly hours the number is always open; with some, a blank day is closed
      dia.placeholder = h.weekly ? 'fechado' : 'aberto';
    });
    $('n-enabled').checked = p.enabled !== false;
    $('n-operatorToken').value = '';
    $('n-token-definido').textContent = p.operatorTokenSet ? 'Este número já tem um token de atendente.' : 'Sem token de atendente.';
  }

  function lista(texto) {
    var itens = texto.split(',').map(function (t) { return t.trim(); }).filter(function (t) { return t; });
    return itens.length ? itens : null;
  }

  // The merge patch of what the form shows: blank means "the default" (null removes the field).
  function patch(comToken) {
    var tinhaSemana = !!(s.perfil && s.perfil.hours && s.perfil.hours.weekly);
    var semana = {};
    var algum = false;
    DIAS.forEach(function (d) { var v = lista($('n-dia-' + d[0]).value); semana[d[0]] = v; algum = algum || !!v; });
    var p = {
      displayName: $('n-displayName').value || null,
      systemPrompt: $('n-systemPrompt').value.trim() ? $('n-systemPrompt').value : null,
      facts: $('n-facts').value || null,
      hours: {
        timeZone: $('n-timeZone').value.trim() || null,
        holidays: lista($('n-holidays').value),
        outOfHoursPolicy: $('n-policy').value || null,
        weekly: algum || tinhaSemana ? semana : null
      }
    };
    if (s.me.role === 'admin') {
      p.enabled = $('n-enabled').checked;
      if (comToken && $('n-operatorToken').value) { p.operatorToken = $('n-operatorToken').value; }
    }
    return p;
  }

  function limparErros() {
    document.querySelectorAll('.campo').forEach(function (c) {
      c.classList.remove('invalido');
      var e = c.querySelector(':scope > .erro');
      if (e) { e.textContent = ''; }
    });
    $('erro-numero').textContent = '';
  }

  // The API names the field as a path ("hours.weekly.mon[0]"): the closest field on the page shows the message.
  function erroNoCampo(campo, texto, padrao) {
    var caminho = campo || '';
    while (caminho) {
      var alvo = document.querySelector('.campo[data-campo="' + caminho.replace(/["\\]/g, '') + '"]');
      if (alvo) {
        alvo.classList.add('invalido');
        alvo.querySelector(':scope > .erro').textContent = texto;
        return;
      }
      caminho = /\]$/.test(caminho) ? caminho.replace(/\[\d+\]$/, '') : caminho.replace(/\.?[^.]*$/, '');
    }
    padrao.textContent = texto;
  }

  function salvar(ev) {
    ev.preventDefault();
    limparErros();
    api('PATCH', '/painel/api/instances/' + encodeURIComponent(s.instancia), patch(true), s.etag ? { 'If-Match': s.etag } : {})
      .then(function (r) {
        if (r.status === 200 || r.status === 201) {
          s.etag = r.etag; s.perfil = r.json; preencher(r.json); aviso('Salvo.');
        } else if (r.status === 412) {
          aviso('O perfil mudou desde que você abriu. Recarregamos a versão atual.'); abrirNumero(s.instancia);
        } else if (r.status === 400 && r.json) {
          erroNoCampo(r.json.field, r.json.detail || 'Valor inválido.', $('erro-numero'));
          aviso('Corrija o campo indicado.');
        } else {
          $('erro-numero').textContent = 'Não foi possível salvar agora.';
        }
      });
  }

  function testar() {
    limparErros();
    var resposta = $('t-resposta');
    resposta.textContent = 'Perguntando à IA…';
    $('t-enviar').disabled = true;
    api('POST', '/painel/api/instances/' + encodeURIComponent(s.instancia) + '/test',
      { profile: patch(false), question: $('t-pergunta').value }).then(function (r) {
      $('t-enviar').disabled = false;
      if (r.status === 200) { resposta.textContent = r.json.answer; return; }
      resposta.textContent = '';
      if (r.status === 400 && r.json) { erroNoCampo(r.json.field, r.json.detail || 'Valor inválido.', $('erro-numero')); }
      else { resposta.textContent = r.status === 503 ? 'A IA não respondeu agora. Tente de novo.' : 'Não foi possível testar agora.'; }
    });
  }

  // ------------------------------------------------------------------ Saúde

  function carregarSaude() {
    api('GET', '/painel/api/health').then(function (r) {
      if (r.status !== 200) { return; }
      var h = r.json;
      $('s-ia').textContent = h.llm.inUse + ' de ' + h.llm.slots + ' vagas da IA em uso';
      var sv = $('s-servicos');
      limpar(sv);
      h.services.forEach(function (x) {
        var li = el('li', null, x.name + ' ');
        li.appendChild(el('span', 'selo ' + (x.reachable ? 'ok' : 'falha'), x.reachable ? 'acessível' : 'sem resposta'));
        sv.appendChild(li);
      });
      var fila = $('s-fila');
      limpar(fila);
      h.backlog.forEach(function (b) {
        fila.appendChild(el('li', null, b.instance + ': ' + b.waiting + ' aguardando'
          + (b.waiting ? ', a mais antiga há ' + duracao(b.oldestWaitSeconds) : '')));
      });
      var cartas = $('s-cartas');
      limpar(cartas);
      h.deadLetters.forEach(function (d) {
        var li = el('li');
        li.appendChild(el('div', 'nome', d.instance + ' · ' + d.contact));
        li.appendChild(el('div', 'meta', hora(d.createdAt) + ' · ' + d.reason));
        var b = el('button', 'secundario', 'Reenviar');
        b.type = 'button';
        b.addEventListener('click', function () {
          b.disabled = true;
          api('POST', '/painel/api/dead-letters/' + encodeURIComponent(d.id) + '/replay').then(function (x) {
            aviso(x.status === 202 ? 'Reenvio na fila.' : (x.json && x.json.detail) || 'Não foi possível reenviar.');
            carregarSaude();
          });
        });
        li.appendChild(b);
        cartas.appendChild(li);
      });
      mostrar($('s-cartas-vazio'), h.deadLetters.length === 0);
    });
  }

  // ------------------------------------------------------------------ início

  function iniciar() {
    var dias = $('n-dias');
    DIAS.forEach(function (d) {
      var campo = el('div', 'campo dia');
      campo.setAttribute('data-campo', 'hours.weekly.' + d[0]);
      var rotulo = el('label', null, d[1]);
      rotulo.htmlFor = 'n-dia-' + d[0];
      var entrada = el('input');
      entrada.id = 'n-dia-' + d[0];
      entrada.placeholder = 'fechado';
      campo.appendChild(rotulo);
      campo.appendChild(entrada);
      campo.appendChild(el('p', 'erro'));
      dias.appendChild(campo);
    });
    $('f-entrar').addEventListener('submit', entrar);
    $('sair').addEventListener('click', function () { sair(false); });
    document.querySelectorAll('[data-filtro]').forEach(function (b) {
      b.addEventListener('click', function () { s.filtro = b.getAttribute('data-filtro'); s.pagina = 1; carregarLista(); });
    });
    $('c-numero').addEventListener('change', function () { s.numero = $('c-numero').value; s.pagina = 1; carregarLista(); });
    $('mais').addEventListener('click', function () { s.pagina += 1; carregarLista(); });
    $('cv-pausar').addEventListener('click', function () { acao('pause'); });
    $('cv-retomar').addEventListener('click', function () { acao('resume'); });
    $('cv-mostrar').addEventListener('click', function () { s.unmask = !s.unmask; carregarConversa(); });
    $('n-numero').addEventListener('change', function () { location.hash = '#/numero/' + encodeURIComponent($('n-numero').value); });
    $('f-numero').addEventListener('submit', salvar);
    $('t-enviar').addEventListener('click', testar);
    window.addEventListener('hashchange', function () { aviso(''); rota(); });
    setInterval(atualizar, POLL_MS);
    api('GET', '/painel/api/me').then(function (r) {
      if (r.status === 200) { comecar(r.json); } else { telaEntrar(); }
    });
  }

  document.addEventListener('DOMContentLoaded', iniciar);
}());
