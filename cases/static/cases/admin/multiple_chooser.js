/* Many-to-many choosers (cases/choosers.py): "添加" opens Wagtail's chooser modal in its
   several-at-once mode; each choice becomes a chip and a selected option of the hidden select;
   × removes that one choice only. Nothing chosen earlier is lost. */
(function () {
  'use strict';

  function chip(root, value, label) {
    var select = root.querySelector('select');
    if (select.querySelector('option[value="' + CSS.escape(value) + '"]')) {
      return; // already chosen
    }
    var option = document.createElement('option');
    option.value = value;
    option.textContent = label;
    option.selected = true;
    select.appendChild(option);
    var item = document.createElement('li');
    item.className = 'multiple-chooser__chip';
    item.dataset.value = value;
    var text = document.createElement('span');
    text.textContent = label;
    var remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'multiple-chooser__remove';
    remove.dataset.remove = '';
    remove.setAttribute('aria-label', '移除“' + label + '”');
    remove.textContent = '×';
    item.appendChild(text);
    item.appendChild(remove);
    root.querySelector('.multiple-chooser__chips').appendChild(item);
    root.querySelector('.multiple-chooser__empty').hidden = true;
    select.dispatchEvent(new Event('change', { bubbles: true }));
  }

  function open(root) {
    var page = root.dataset.kind === 'page';
    var params = { multiple: 1 };
    if (page && root.dataset.pageType) {
      params.page_type = root.dataset.pageType;
    }
    var responses = {};
    responses[page ? 'pageChosen' : 'chosen'] = function (result) {
      (Array.isArray(result) ? result : [result]).forEach(function (item) {
        chip(root, String(item.id), item.adminTitle || item.title || item.string || String(item.id));
      });
    };
    window.ModalWorkflow({
      url: root.dataset.chooserUrl,
      urlParams: params,
      onload: page ? window.PAGE_CHOOSER_MODAL_ONLOAD_HANDLERS : window.CHOOSER_MODAL_ONLOAD_HANDLERS,
      responses: responses,
    });
  }

  document.addEventListener('click', function (event) {
    var root = event.target.closest('[data-multiple-chooser]');
    if (!root) {
      return;
    }
    if (event.target.closest('[data-add]')) {
      event.preventDefault();
      open(root);
      return;
    }
    var remove = event.target.closest('[data-remove]');
    if (remove) {
      event.preventDefault();
      var item = remove.closest('.multiple-chooser__chip');
      var option = root.querySelector('option[value="' + CSS.escape(item.dataset.value) + '"]');
      if (option) {
        option.remove();
      }
      item.remove();
      root.querySelector('.multiple-chooser__empty').hidden =
        root.querySelectorAll('.multiple-chooser__chip').length > 0;
      root.querySelector('select').dispatchEvent(new Event('change', { bubbles: true }));
    }
  });
})();
