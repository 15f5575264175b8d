// The playground page: three panes over the real bot (bot/playground). Every word a person
// reads comes from state.texts (domain.texts.PLAYGROUND_PAGE); the chats arrive as
// server-sent events, each chat whole each time it changes. Vanilla ES2020, no build step.
'use strict';

(() => {
  const API = '/playground/api/';
  const PHONE = window.matchMedia('(max-width: 860px)');
  const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp'];
  const chatPanes = new Map(); // chat_id -> ChatPane
  let T = {};

  // --- small helpers -----------------------------------------------------------------------

  const $ = (selector, root = document) => root.querySelector(selector);

  function t(key, vars = {}) {
    let text = T[key] ?? '';
    for (const [name, value] of Object.entries(vars)) text = text.split(`{${name}}`).join(value);
    return text;
  }

  function el(tag, className, text, props) {
    const node = Object.assign(document.createElement(tag), props);
    if (className) node.className = className;
    if (text != null) node.textContent = text;
    return node;
  }

  const link = (className, href, text) =>
    el('a', className, text, { href, target: '_blank', rel: 'noopener noreferrer' });

  function button(className, text, onClick, label) {
    const node = el('button', className, text, { type: 'button' });
    if (label) node.setAttribute('aria-label', (node.title = label));
    node.addEventListener('click', onClick);
    return node;
  }

  const icon = (name) => $('#icons').content.querySelector(`[data-name="${name}"]`).cloneNode(true);

  // Catalogue texts mark code (settings, files, commands) with backticks: shown left to right.
  function rich(node, text) {
    node.replaceChildren();
    text.split('`').forEach((part, i) => {
      if (part) node.append(i % 2 ? el('code', null, part, { dir: 'ltr' }) : part);
    });
  }

  function applyTexts(root) {
    root.querySelectorAll('[data-text]').forEach((node) => {
      if (node.classList.contains('rich')) rich(node, t(node.dataset.text));
      else node.textContent = t(node.dataset.text);
    });
    root.querySelectorAll('[data-label]').forEach((node) => {
      node.setAttribute('aria-label', t(node.dataset.label));
      if (node.tagName === 'BUTTON') node.title = t(node.dataset.label);
    });
    root.querySelectorAll('[data-placeholder]').forEach((node) => { node.placeholder = t(node.dataset.placeholder); });
    root.querySelectorAll('[data-title]').forEach((node) => { node.title = t(node.dataset.title); });
    root.querySelectorAll('[data-icon]').forEach((node) => node.prepend(icon(node.dataset.icon)));
  }

  const fileUrl = (fileId) => API + 'file/' + encodeURIComponent(fileId);
  const clock = new Intl.DateTimeFormat('fa-IR', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const day = new Intl.DateTimeFormat('fa-IR', { weekday: 'long', day: 'numeric', month: 'long' });
  const number = new Intl.NumberFormat('fa-IR', { maximumFractionDigits: 1 });

  function fileSize(bytes) {
    if (!bytes) return '';
    if (bytes < 1024 * 1024) return t('size_kb', { size: number.format(Math.max(bytes / 1024, 0.1)) });
    return t('size_mb', { size: number.format(bytes / 1024 / 1024) });
  }

  // A POST to the playground's API: its answer, or an Error with the Persian reason.
  async function post(path, body) {
    const json = !(body instanceof FormData);
    let answer = null;
    try {
      const response = await fetch(API + path, {
        method: 'POST',
        headers: json ? { 'Content-Type': 'application/json' } : {},
        body: json ? JSON.stringify(body) : body,
      });
      answer = await response.json().catch(() => null);
      if (response.ok && answer && answer.ok !== false) return answer;
    } catch (error) {
      answer = null; // the server is not reachable
    }
    throw new Error((answer && answer.error) || t('network_error'));
  }

  function showNote(node, text) {
    node.textContent = text || '';
    node.hidden = !text;
  }

  // --- a message's text with its entities ----------------------------------------------------

  const ENTITY_TAGS = {
    bold: 'strong', italic: 'em', underline: 'u', strikethrough: 's', code: 'code', pre: 'pre', spoiler: 'span',
  };

  function safeUrl(href, bare) {
    try {
      const url = new URL(bare && !/^[a-z][a-z0-9+.-]*:/i.test(href) ? 'http://' + href : href);
      return ['http:', 'https:'].includes(url.protocol) ? url.href : null;
    } catch (error) {
      return null;
    }
  }

  // Like Telegram's apps, addresses and /commands in plain text become links (a command,
  // pressed, is sent); shown left to right, so «با /status» does not read «status/».
  const AUTO = /https?:\/\/[^\s«»"<>]*[^\s«»"<>.,،:;؛)]|(?<![\p{L}\p{N}_/])\/[A-Za-z]\w{0,31}(?![\p{L}\p{N}_/])/gu;

  function plain(node, text, onCommand) {
    let at = 0;
    for (const match of text.matchAll(AUTO)) {
      const part = match[0];
      node.append(text.slice(at, match.index));
      const auto = part[0] === '/' ? button('msg-command', part, () => onCommand(part)) : link(null, part, part);
      auto.dir = 'ltr';
      node.append(auto);
      at = match.index + part.length;
    }
    node.append(text.slice(at));
  }

  // Offsets count UTF-16 code units, as JavaScript strings do; of nested entities the
  // outermost is kept.
  function formatText(node, text, entities, onCommand) {
    let at = 0;
    const sorted = [...entities].sort((a, b) => a.offset - b.offset || b.length - a.length);
    for (const entity of sorted) {
      if (entity.offset < at) continue;
      plain(node, text.slice(at, entity.offset), onCommand);
      const part = text.slice(entity.offset, entity.offset + entity.length);
      const href = { url: safeUrl(part, true), text_link: safeUrl(entity.url) }[entity.type];
      const tag = ENTITY_TAGS[entity.type];
      if (href) node.append(link(null, href, part));
      else node.append(tag ? el(tag, entity.type === 'spoiler' ? 'spoiler' : null, part) : part);
      at = entity.offset + entity.length;
    }
    plain(node, text.slice(at), onCommand);
  }

  function snippet(message) {
    if (message.text || message.caption) return message.text || message.caption;
    if (message.photo) return t('photo');
    if (message.document) return message.document.file_name || t('document');
    return message.contact ? t('contact') : '';
  }

  // --- a chat pane: the holder's private chat, or the staff group ----------------------------

  class ChatPane {
    constructor(kind, info, bot) {
      Object.assign(this, { kind, bot, chatId: info.chat_id, people: info.people || [] });
      this.userId = this.people.length ? this.people[0].id : 0;
      this.root = $('#pane-' + kind);
      this.root.replaceChildren($('#chat-pane-template').content.cloneNode(true));
      applyTexts(this.root);
      for (const name of ['messages', 'chat-empty', 'toasts', 'pane-error', 'replying-to', 'attachment',
        'reply-keyboard', 'composer', 'composer-text', 'composer-file', 'keyboard-toggle', 'composer-as-file',
        'start-button', 'attachment-thumb', 'to-bottom']) {
        this[name.replace(/-(\w)/g, (_, c) => c.toUpperCase())] = $('.' + name, this.root);
      }
      this.nodes = new Map(); // message_id -> { key, node }
      this.days = new Map();
      this.revision = -1;
      this.replyTo = this.openedPrompt = this.file = null;
      this.stick = true;
      this.head(info);
      this.wire();
    }

    head(info) {
      // A private chat is headed by the bot, as in a messenger; the group by its title.
      const title = this.kind === 'holder' ? this.bot.name || t('holder_title') : info.title || t('staff_title');
      $('.pane-title', this.root).textContent = title;
      $('.avatar', this.root).textContent = title.trim().charAt(0);
      const sub = $('.pane-sub', this.root);
      if (this.kind === 'holder') {
        sub.textContent = t('holder_you', { name: this.people[0] ? this.people[0].name : '' });
        $('.chat-empty-text', this.root).textContent = t('start_hint');
        this.startButton.hidden = false;
        return;
      }
      $('.chat-empty-text', this.root).textContent = t('staff_empty');
      const select = el('select', null, null, { id: 'acting-as' });
      for (const person of this.people) {
        const role = t('role_' + person.role);
        const name = person.name.includes(role) ? person.name : t('acting_option', { name: person.name, role });
        select.append(el('option', null, name, { value: String(person.id) }));
      }
      select.addEventListener('change', () => {
        this.userId = Number(select.value);
        showNote(this.paneError, '');
        this.markOwn();
      });
      sub.replaceChildren(el('label', null, t('acting_as'), { htmlFor: 'acting-as' }), select);
      sub.classList.add('acting');
    }

    wire() {
      const on = (node, event, handler) => node.addEventListener(event, handler);
      on(this.composer, 'submit', (event) => { event.preventDefault(); this.submit(); });
      on(this.composerText, 'keydown', (event) => {
        if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          this.submit();
        } else if (event.key === 'Escape') this.setReply(null);
      });
      on(this.composerText, 'input', () => this.autosize());
      on($('.composer-attach', this.root), 'click', () => this.composerFile.click());
      on(this.composerFile, 'change', () => this.attach(this.composerFile.files[0]));
      on($('.attachment-remove', this.root), 'click', () => this.attach(null));
      on($('.replying-cancel', this.root), 'click', () => this.setReply(null));
      on(this.keyboardToggle, 'click', () => { this.replyKeyboard.hidden = !this.replyKeyboard.hidden; });
      on(this.startButton, 'click', () => this.send('/start'));
      on(this.messages, 'scroll', () => {
        const box = this.messages;
        this.stick = box.scrollHeight - box.scrollTop - box.clientHeight < 60;
        this.toBottom.hidden = this.stick;
      });
      on(this.toBottom, 'click', () => this.scrollDown());
      const body = $('.chat-body', this.root);
      on(body, 'dragover', (event) => event.preventDefault());
      on(body, 'drop', (event) => {
        event.preventDefault();
        if (event.dataTransfer.files.length) this.attach(event.dataTransfer.files[0]);
      });
    }

    // --- showing the chat ---

    update(view) {
      if (view.revision <= this.revision) return;
      const before = this.nodes.size;
      this.revision = view.revision;
      this.renderMessages(view.messages);
      this.renderKeyboard(view.keyboard);
      this.chatEmpty.hidden = view.messages.length > 0;
      this.composer.hidden = this.kind === 'holder' && !view.messages.length;
      // A force-reply prompt opens the reply bar once, as Telegram's app does; a visitor who
      // cancels it is not asked again.
      const prompt = view.prompt ? view.messages.find((m) => m.message_id === view.prompt) : null;
      if (prompt && view.prompt !== this.openedPrompt) this.setReply(prompt);
      else if (!view.prompt && this.replyTo && this.replyTo.message_id === this.openedPrompt) this.setReply(null);
      this.openedPrompt = view.prompt;
      if (before && this.nodes.size > before) tabs.unread(this.kind, this.nodes.size - before);
    }

    // Messages are rebuilt only when they changed (an edit), and nodes are moved only where
    // the order needs it, so pictures and opened documents are not loaded again.
    renderMessages(messages) {
      const wanted = [];
      const seen = new Set();
      let lastDay = null;
      let grew = false;
      let own = false;
      for (const message of messages) {
        const stamp = new Date(message.date * 1000);
        if (stamp.toDateString() !== lastDay) {
          lastDay = stamp.toDateString();
          if (!this.days.has(lastDay)) this.days.set(lastDay, el('div', 'day-divider', day.format(stamp)));
          wanted.push(this.days.get(lastDay));
        }
        const key = JSON.stringify(message);
        let entry = this.nodes.get(message.message_id);
        if (!entry || entry.key !== key) {
          const node = this.buildMessage(message);
          if (entry) entry.node.replaceWith(node);
          grew = grew || !entry;
          own = own || (!entry && this.isOwn(message));
          this.nodes.set(message.message_id, (entry = { key, node }));
        }
        seen.add(message.message_id);
        wanted.push(entry.node);
      }
      for (const [id, entry] of this.nodes) {
        if (!seen.has(id)) entry.node.remove();
        if (!seen.has(id)) this.nodes.delete(id);
      }
      const box = this.messages;
      wanted.forEach((node, i) => { if (box.children[i] !== node) box.insertBefore(node, box.children[i] || null); });
      while (box.children.length > wanted.length) box.lastElementChild.remove();
      this.markOwn();
      if (this.stick || own) this.scrollDown();
      else if (grew) this.toBottom.classList.add('news');
    }

    scrollDown() {
      this.stick = true;
      this.toBottom.hidden = true;
      this.toBottom.classList.remove('news');
      requestAnimationFrame(() => { this.messages.scrollTop = this.messages.scrollHeight; });
    }

    isOwn(message) {
      return Boolean(message.from && !message.from.is_bot && message.from.id === this.userId);
    }

    // The visitor's own messages (as the person they act as) are on the sending side.
    markOwn() {
      for (const { node } of this.nodes.values()) {
        node.classList.toggle('out', Number(node.dataset.sender) === this.userId);
      }
    }

    senderName(from) {
      if (!from) return '';
      if (from.is_bot) return from.first_name || this.bot.name;
      const person = this.people.find((p) => p.id === from.id);
      return person ? person.name : [from.first_name, from.last_name].filter(Boolean).join(' ') || t('person_fallback');
    }

    buildMessage(message) {
      const from = message.from || {};
      const node = el('div', 'msg');
      Object.assign(node.dataset, {
        messageId: message.message_id,
        from: from.is_bot ? 'bot' : 'person',
        sender: from.is_bot ? '' : String(from.id),
      });
      if (!from.is_bot) node.style.setProperty('--sender-hue', String((from.id * 47) % 360));
      const bubble = el('div', 'bubble');
      node.append(bubble);
      if (this.kind === 'staff') bubble.append(el('div', 'msg-sender', this.senderName(from)));
      if (message.reply_to_message) bubble.append(this.quote(message.reply_to_message));
      if (message.photo && message.photo.length) bubble.append(this.photo(message));
      if (message.document) bubble.append(this.documentBox(message));
      if (message.contact) {
        const { first_name: first, last_name: last, phone_number: phone } = message.contact;
        const card = el('div', 'msg-contact');
        const name = el('bdi', null, [first, last].filter(Boolean).join(' '));
        card.append(el('span', 'contact-label', t('contact')), name, el('span', 'contact-phone', phone, { dir: 'ltr' }));
        bubble.append(card);
      }
      const text = message.text ?? message.caption;
      if (text) {
        const body = el('div', 'msg-text');
        const entities = (message.text != null ? message.entities : message.caption_entities) || [];
        formatText(body, text, entities, (command) => this.send(command));
        bubble.append(body);
      } else if (!message.photo && !message.document && !message.contact) {
        bubble.append(el('div', 'msg-text msg-unsupported', t('unsupported')));
      }
      const meta = el('div', 'msg-meta');
      if (message.edit_date) meta.append(el('span', 'msg-edited', t('edited')));
      const stamp = new Date(message.date * 1000);
      meta.append(el('time', null, clock.format(stamp), { dateTime: stamp.toISOString() }));
      bubble.append(meta);
      const reply = button('msg-reply icon-button', null, () => this.setReply(message), t('reply'));
      reply.append(icon('reply'));
      node.append(reply);
      bubble.addEventListener('click', (event) => {
        if (event.target.closest('a, button, iframe, input, label, .doc-preview')) return;
        if (!String(window.getSelection() || '')) this.setReply(message); // not while selecting text
      });
      const rows = message.reply_markup && message.reply_markup.inline_keyboard;
      if (rows && rows.length) node.append(this.inlineKeyboard(message, rows));
      return node;
    }

    quote(original) {
      const quote = button('msg-quote', null, () => {
        const target = this.nodes.get(original.message_id);
        if (!target) return;
        target.node.scrollIntoView({ block: 'center', behavior: 'smooth' });
        target.node.classList.remove('flash');
        void target.node.offsetWidth; // restart the animation
        target.node.classList.add('flash');
      });
      quote.append(el('span', 'quote-name', this.senderName(original.from)));
      quote.append(el('span', 'quote-text', snippet(original)));
      return quote;
    }

    photo(message) {
      const size = message.photo[message.photo.length - 1];
      const img = el('img', 'msg-photo', null, { alt: message.caption || t('photo'), decoding: 'async' });
      if (size.width && size.height) Object.assign(img, { width: size.width, height: size.height });
      img.src = fileUrl(size.file_id);
      img.addEventListener('load', () => { if (this.stick) this.scrollDown(); });
      const picture = link('photo-link', fileUrl(size.file_id));
      picture.append(img);
      if (!this.fromBotToHolder(message)) return picture;
      const box = el('div', 'photo-box');
      box.append(picture, this.verifyButton(size.file_id, 'image/png'));
      return box;
    }

    fromBotToHolder(message) {
      return Boolean(message.from && message.from.is_bot && this.kind === 'holder');
    }

    documentBox(message) {
      const doc = message.document;
      const mime = doc.mime_type || '';
      const name = doc.file_name || t('document');
      const isPdf = mime === 'application/pdf' || /\.pdf$/i.test(name);
      const box = el('div', 'msg-doc');
      const file = link('msg-document', fileUrl(doc.file_id));
      const about = el('span', 'doc-about');
      about.append(el('bdi', 'doc-name', name), el('span', 'doc-size', fileSize(doc.file_size)));
      file.append(el('span', 'doc-icon', isPdf ? 'PDF' : name.split('.').pop().slice(0, 4).toUpperCase()), about);
      box.append(file);
      if (!isPdf && !IMAGE_TYPES.includes(mime)) return box;
      // A PDF or picture is shown in the chat on request: the bot's PDFs are large.
      const preview = el('div', 'doc-preview', null, { hidden: true });
      const toggle = button('doc-view', t('document_show'), () => {
        const open = preview.hidden;
        if (open && !preview.firstChild) {
          const src = fileUrl(doc.file_id);
          const view = isPdf ? el('iframe', 'doc-frame', null, { title: name }) : el('img', 'doc-image', null, { alt: name });
          preview.append(Object.assign(view, { src }));
        }
        preview.hidden = !open;
        toggle.textContent = t(open ? 'document_hide' : 'document_show');
        toggle.setAttribute('aria-expanded', String(open));
      });
      toggle.setAttribute('aria-expanded', 'false');
      const actions = el('div', 'doc-actions');
      actions.append(toggle);
      if (this.fromBotToHolder(message)) actions.append(this.verifyButton(doc.file_id, mime));
      box.append(actions, preview);
      return box;
    }

    // The bot's pictures and PDFs in the holder's chat can be checked in the verifier pane
    // at a click, as if their QR code were scanned.
    verifyButton(fileId, mime) {
      const check = button('verify-this', t('verify_this'), () => verifier.scanFile(fileId, mime));
      check.prepend(icon('search'));
      return check;
    }

    inlineKeyboard(message, rows) {
      const keyboard = el('div', 'inline-keyboard');
      for (const row of rows) {
        const line = el('div', 'inline-row');
        for (const spec of row) {
          if (spec.url) {
            line.append(link('inline-button inline-url', safeUrl(spec.url) || '#', spec.text));
            continue;
          }
          const press = button('inline-button', spec.text, () => this.press(message, spec.callback_data, press));
          press.dataset.callback = spec.callback_data || '';
          line.append(press);
        }
        keyboard.append(line);
      }
      return keyboard;
    }

    renderKeyboard(markup) {
      const signature = JSON.stringify(markup || null);
      if (signature === this.keyboardSignature) return;
      this.keyboardSignature = signature;
      const rows = (markup && markup.keyboard) || [];
      this.replyKeyboard.replaceChildren(...rows.map((row) => {
        const line = el('div', 'keyboard-row');
        for (const spec of row) {
          line.append(button(null, typeof spec === 'string' ? spec : spec.text, () => this.pressKey(spec, markup)));
        }
        return line;
      }));
      this.replyKeyboard.hidden = this.keyboardToggle.hidden = !rows.length;
      this.composerText.placeholder = (markup && markup.input_field_placeholder) || t('composer_placeholder');
    }

    setReply(message) {
      this.replyTo = message;
      this.replyingTo.hidden = !message;
      if (!message) return;
      $('.replying-name', this.replyingTo).textContent = t('replying_to', { name: this.senderName(message.from) });
      $('.replying-text', this.replyingTo).textContent = snippet(message);
      this.composerText.focus({ preventScroll: true });
    }

    // --- acting in the chat ---

    attach(file) {
      this.file = file || null;
      this.composerFile.value = '';
      this.attachment.hidden = !file;
      if (this.thumbUrl) URL.revokeObjectURL(this.thumbUrl);
      this.thumbUrl = null;
      this.composerText.placeholder = t(file ? 'caption_placeholder' : 'composer_placeholder');
      if (!file) return;
      const image = IMAGE_TYPES.includes(file.type);
      $('.attachment-name', this.attachment).textContent = `${file.name} · ${fileSize(file.size)}`;
      $('.attachment-icon', this.attachment).hidden = image;
      $('.attachment-as-file', this.attachment).hidden = !image;
      this.composerAsFile.checked = false;
      this.attachmentThumb.hidden = !image;
      if (image) this.attachmentThumb.src = this.thumbUrl = URL.createObjectURL(file);
      this.composerText.focus({ preventScroll: true });
    }

    submit() {
      const text = this.composerText.value;
      const clear = () => {
        if (this.composerText.value === text) this.composerText.value = ''; // unless typed on
        this.autosize();
      };
      if (!this.file) return text.trim() ? this.send(text, clear) : undefined;
      // Pictures go as photos unless sent as a file; PDFs and the rest always as documents.
      const photo = IMAGE_TYPES.includes(this.file.type) && !this.composerAsFile.checked;
      const form = new FormData();
      const fields = { chat_id: this.chatId, user_id: this.userId, kind: photo ? 'photo' : 'document' };
      if (this.replyTo) fields.reply_to = this.replyTo.message_id;
      if (text.trim()) fields.caption = text;
      for (const [name, value] of Object.entries(fields)) form.append(name, String(value));
      form.append('file', this.file, this.file.name);
      return this.act('upload', form, () => { this.attach(null); clear(); });
    }

    send(text, done) {
      const reply = this.replyTo ? this.replyTo.message_id : null;
      return this.act('send', { chat_id: this.chatId, user_id: this.userId, text, reply_to: reply }, done);
    }

    pressKey(spec, markup) {
      const done = () => { if (markup.one_time_keyboard) this.replyKeyboard.hidden = true; };
      if (spec.request_contact) return this.act('contact', { chat_id: this.chatId, user_id: this.userId }, done);
      return this.send(typeof spec === 'string' ? spec : spec.text, done);
    }

    press(message, data, pressed) {
      pressed.classList.add('pressed');
      const body = { chat_id: this.chatId, user_id: this.userId, message_id: message.message_id, data };
      this.act('press', body, null, true).finally(() => pressed.classList.remove('pressed'));
    }

    // One request to the bot at a time. On success the reply bar closes (a button press
    // leaves it open); on failure the pane says why and keeps what was typed.
    async act(path, body, done, keepReply) {
      if (this.busy) return;
      this.busy = true;
      this.root.classList.add('busy');
      showNote(this.paneError, '');
      try {
        await post(path, body);
        if (done) done();
        if (!keepReply) this.setReply(null);
        this.stick = true;
      } catch (error) {
        showNote(this.paneError, error.message);
      } finally {
        this.busy = false;
        this.root.classList.remove('busy');
      }
    }

    autosize() {
      const area = this.composerText;
      area.style.height = 'auto';
      area.style.height = Math.min(area.scrollHeight, 160) + 'px';
    }

    // The bot's answer to a button press: a passing note over the pane, or an alert.
    toast(text, alert) {
      if (alert) {
        $('#alert-text').textContent = text;
        if (!$('#alert-dialog').open) $('#alert-dialog').showModal();
        return;
      }
      const note = el('div', 'toast', text);
      note.setAttribute('role', 'status');
      this.toasts.replaceChildren(note); // one at a time, the newest
      setTimeout(() => note.classList.add('leaving'), 3200);
      setTimeout(() => note.remove(), 3600);
    }
  }

  // --- the verifier pane -------------------------------------------------------------------

  const verifier = {
    init(info) {
      this.root = $('#pane-verifier');
      this.base = (info && info.verify_base) || '/V/';
      this.frame = $('#verify-frame');
      this.address = $('#verify-address');
      this.error = $('.verify-error', this.root);
      this.status = $('.verify-status', this.root);
      $('#verify-open-form').addEventListener('submit', (event) => {
        event.preventDefault();
        this.openAddress(this.address.value);
      });
      const upload = $('#verify-upload');
      upload.addEventListener('change', () => {
        const file = upload.files[0];
        upload.value = '';
        if (file) this.scan(file);
      });
    },

    // Any address with /V/ (or /v/) in its path opens here: the QR may name the office's
    // public server, but this playground serves the same pages itself.
    openAddress(value) {
      showNote(this.error, '');
      const match = /\/v\/([^?#\s]+)/i.exec(value.trim());
      if (!match) {
        rich(this.error, t('verify_bad_address'));
        this.error.hidden = false;
        return;
      }
      this.show(this.base + match[1]);
    },

    show(path) {
      this.address.value = path;
      this.frame.hidden = false;
      $('.verify-empty', this.root).hidden = true;
      this.frame.src = path;
    },

    async scan(file) {
      showNote(this.error, '');
      showNote(this.status, t('verify_scanning'));
      const form = new FormData();
      form.append('file', file, file.name || 'confirmation');
      try {
        this.show((await post('scan', form)).url);
      } catch (error) {
        showNote(this.error, error.message);
      } finally {
        showNote(this.status, '');
      }
    },

    async scanFile(fileId, mime) {
      tabs.select('verifier');
      try {
        const response = await fetch(fileUrl(fileId));
        if (!response.ok) throw new Error(t('network_error'));
        const blob = await response.blob();
        const type = blob.type || mime;
        const name = type === 'application/pdf' ? 'confirmation.pdf' : 'confirmation.png';
        await this.scan(new File([blob], name, { type }));
      } catch (error) {
        showNote(this.error, error.message || t('network_error'));
      }
    },
  };

  // --- tabs (on a phone), the connection, and starting ---------------------------------------

  const tabs = {
    counts: {},
    init() {
      document.querySelectorAll('.tab').forEach((tab) => {
        tab.addEventListener('click', () => this.select(tab.dataset.pane));
      });
    },
    select(name) {
      document.body.dataset.active = name;
      this.counts[name] = 0;
      document.querySelectorAll('.tab').forEach((tab) => {
        tab.setAttribute('aria-selected', String(tab.dataset.pane === name));
        if (tab.dataset.pane === name) $('.badge', tab).hidden = true;
      });
      document.querySelectorAll('.pane').forEach((pane) => pane.classList.toggle('active', pane.dataset.pane === name));
      const pane = [...chatPanes.values()].find((p) => p.kind === name);
      if (pane) pane.scrollDown();
    },
    // New messages in a pane the phone does not show: a count on its tab.
    unread(name, count) {
      if (!PHONE.matches || document.body.dataset.active === name) return;
      this.counts[name] = (this.counts[name] || 0) + count;
      const badge = $(`.tab[data-pane="${name}"] .badge`);
      badge.textContent = number.format(this.counts[name]);
      badge.hidden = false;
    },
  };

  function setConnection(state) {
    $('#connection').dataset.state = state;
    $('#connection .connection-label').textContent = t('connection_' + state);
  }

  // EventSource reconnects by itself; the server then sends every chat again.
  function connect() {
    const events = new EventSource(API + 'events');
    events.addEventListener('open', () => {
      setConnection('open');
      for (const pane of chatPanes.values()) pane.revision = -1; // a restarted server counts anew
    });
    events.addEventListener('error', () => {
      setConnection('lost');
      if (events.readyState === EventSource.CLOSED) setTimeout(connect, 3000);
    });
    events.addEventListener('chat', (event) => {
      const view = JSON.parse(event.data);
      if (chatPanes.has(view.chat_id)) chatPanes.get(view.chat_id).update(view);
    });
    events.addEventListener('toast', (event) => {
      const toast = JSON.parse(event.data);
      if (chatPanes.has(toast.chat_id) && toast.text) chatPanes.get(toast.chat_id).toast(toast.text, toast.show_alert);
    });
  }

  async function start() {
    let state;
    try {
      const response = await fetch(API + 'state');
      if (!response.ok) throw new Error(String(response.status));
      state = await response.json();
    } catch (error) {
      setConnection('lost'); // no words yet: they come with the state
      setTimeout(start, 3000);
      return;
    }
    T = state.texts || {};
    const platform = state.platform || 'telegram';
    document.title = t('page_title');
    document.body.dataset.platform = platform;
    applyTexts(document);
    const dataDir = state.data_dir ? t('intro_data_dir', { path: state.data_dir }) : '';
    rich($('#about-intro'), t('intro', { data_dir: dataDir }));
    $('#office-name').textContent = state.office_name || '';
    $('#platform').textContent = t('platform', { platform: t('platform_' + platform) });
    $('#go-live').open = !PHONE.matches;
    setConnection('connecting');
    for (const kind of ['holder', 'staff']) {
      const info = state.panes[kind];
      chatPanes.set(info.chat_id, new ChatPane(kind, info, state.bot || { name: '' }));
    }
    verifier.init(state.panes.verifier);
    tabs.init();
    for (const view of Object.values(state.chats || {})) {
      if (chatPanes.has(view.chat_id)) chatPanes.get(view.chat_id).update(view);
    }
    document.body.classList.remove('loading');
    connect();
  }

  start();
})();
