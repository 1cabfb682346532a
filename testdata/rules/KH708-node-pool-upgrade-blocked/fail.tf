variable "batch_max_surge" {
  description = "Max surge of the batch pool."
  type        = string
  default     = "0"
}

resource "azurerm_kubernetes_cluster" "aks" {
  name                = "aks-prod"
  location            = "westeurope"
  resource_group_name = "rg-aks-prod"
  dns_prefix          = "aks-prod"
  kubernetes_version  = "1.33"

  default_node_pool {
    name       = "system"
    vm_size    = "Standard_D4ds_v5"
    node_count = 3

    upgrade_settings {
      max_surge = "0"
    }
  }

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_kubernetes_cluster_node_pool" "batch" {
  name                  = "batch"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.aks.id
  vm_size               = "Standard_D8ds_v5"
  node_count            = 5

  upgrade_settings {
    max_surge       = var.batch_max_surge
    max_unavailable = "0%"
  }
}

resource "azurerm_kubernetes_cluster_node_pool" "inplace" {
  name                  = "inplace"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.aks.id
  vm_size               = "Standard_D8ds_v5"
  node_count            = 5

  upgrade_settings {
    max_surge       = "0"
    max_unavailable = "1"
  }
}
